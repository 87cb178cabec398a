#!/usr/bin/python3
"""The reference side of blox's image tests: Pillow's decoding and torchvision's transforms.

Fixtures are cut from the photos scikit-learn ships (sklearn.datasets.load_sample_image:
china.jpg and flower.jpg, CC BY 2.0, see sklearn/datasets/images/README.txt), so nothing is
downloaded. Every array subcommand writes a raw little-endian array (uint8 HWC for pixels,
float32 CHW for tensors) to OUT and prints its shape on stdout as space-separated ints.

Usage: image_reference.py make DIR
       image_reference.py decode FILE CHANNELS OUT        (CHANNELS 1, 3 or 4; uint8 HWC)
       image_reference.py resize FILE H W OUT             (PIL bilinear; uint8 HWC)
       image_reference.py resize_gray FILE H W OUT        (PIL bilinear of the L image; uint8 HW1)
       image_reference.py resized_crop FILE TOP LEFT HEIGHT WIDTH SIZE_H SIZE_W OUT   (uint8 HWC)
       image_reference.py center_crop FILE H W OUT        (zero padding where larger; uint8 HWC)
       image_reference.py jitter FILE BRIGHTNESS CONTRAST SATURATION OUT   (float32 CHW)
       image_reference.py normalize FILE OUT              (ImageNet mean/std; float32 CHW)
Errors (including an unreadable or truncated image) print a message on stderr and exit 1.

decode is Pillow's `Image.open(FILE).convert('RGB' or 'L')`, except for 16-bit PNGs, which
Pillow reduces lossily (16-bit RGB keeps only the high byte; 16-bit gray converts to L by
clipping): those are decoded here to their true 16-bit values and reduced with round(v / 257);
channels 1 of a 16-bit RGB image then applies Pillow's luma formula to the 8-bit values.
"""
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel
CROP_BOX = (200, 150, 361, 271)  # left, top, right, bottom in china.jpg: 161 wide, 121 high


# --- 16-bit PNG writing and reading (Pillow can do neither faithfully) ---------------------------

def paeth(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def write_png16(path: str, values: np.ndarray) -> None:
    """values: uint16 HxW (gray) or HxWx3 (RGB). Rows cycle through the five filter types, so a
    reader's unfiltering is exercised with 2- and 6-byte pixels."""
    height, width = values.shape[:2]
    colour_type = 0 if values.ndim == 2 else 2
    rows = values.astype(">u2").reshape(height, -1).view(np.uint8).astype(np.int32)
    bpp = 2 * (1 if values.ndim == 2 else values.shape[2])
    raw = bytearray()
    for y in range(height):
        x = rows[y]
        a = np.concatenate([np.zeros(bpp, np.int32), x[:-bpp]])
        b = rows[y - 1] if y > 0 else np.zeros_like(x)
        c = np.concatenate([np.zeros(bpp, np.int32), b[:-bpp]])
        kind = y % 5
        predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        raw.append(kind)
        raw += ((x - predictor) % 256).astype(np.uint8).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
                + chunk(b"IEND", b""))


def png_header(path: str):
    """(width, height, bit depth, colour type, interlace) of a PNG file, or None if not a PNG."""
    with open(path, "rb") as f:
        head = f.read(33)
    if len(head) < 33 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", head[16:29])
    return width, height, depth, colour, interlace


def read_png16(path: str) -> np.ndarray:
    """A non-interlaced 16-bit PNG's samples as uint16 HxWxC (C: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, header = 8, bytearray(), None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise ValueError(f"{path}: truncated PNG chunk")
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]:
            raise ValueError(f"{path}: bad CRC in PNG chunk {kind!r}")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    else:
        raise ValueError(f"{path}: truncated PNG (no IEND)")
    width, height, depth, colour, _, _, interlace = header
    if depth != 16 or colour not in PNG_CHANNELS or interlace != 0:
        raise ValueError(f"{path}: only non-interlaced 16-bit gray/RGB(A) PNGs are read here")
    channels = PNG_CHANNELS[colour]
    bpp, stride = 2 * channels, 2 * channels * width
    raw = zlib.decompress(bytes(idat))
    if len(raw) != height * (stride + 1):
        raise ValueError(f"{path}: wrong amount of image data")
    out = np.zeros((height, stride), np.uint8)
    previous = np.zeros(stride, np.int32)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if kind == 0:
            row = line
        elif kind == 2:
            row = (line + previous) % 256
        elif kind in (1, 3, 4):  # sequential along the row: each byte depends on the one bpp left
            cur, up = line.tolist(), previous.tolist()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = up[i]
                c = up[i - bpp] if i >= bpp else 0
                if kind == 1:
                    p = a
                elif kind == 3:
                    p = (a + b) // 2
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else b if pb <= pc else c
                cur[i] = (cur[i] + p) % 256
            row = np.array(cur, np.int32)
        else:
            raise ValueError(f"{path}: bad PNG filter type {kind}")
        out[y] = row
        previous = row
    return out.view(">u2").astype(np.uint16).reshape(height, width, channels)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Pillow's RGB -> L (ITU-R 601-2, fixed point)."""
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16).astype(np.uint8)


# --- subcommands -------------------------------------------------------------------------------

def make(directory: str) -> None:
    from sklearn.datasets import load_sample_image

    os.makedirs(directory, exist_ok=True)
    written = []

    def path(name: str) -> str:
        written.append(name)
        return os.path.join(directory, name)

    crop = Image.fromarray(load_sample_image("china.jpg")).crop(CROP_BOX)  # 161x121 RGB
    rgb = np.asarray(crop)
    height, width = rgb.shape[:2]
    rng = np.random.default_rng(0)

    crop.save(path("baseline.jpg"), "JPEG", quality=90, subsampling="4:2:0", progressive=False)
    crop.save(path("progressive.jpg"), "JPEG", quality=90, subsampling="4:2:0", progressive=True)
    crop.convert("L").save(path("gray.jpg"), "JPEG", quality=90)
    crop.convert("CMYK").save(path("cmyk.jpg"), "JPEG", quality=90)  # Adobe-style (inverted) CMYK
    flower = Image.fromarray(load_sample_image("flower.jpg")).resize((500, 375), Image.LANCZOS)
    flower.save(path("big.jpg"), "JPEG", quality=90, subsampling="4:2:0")

    crop.save(path("rgb8.png"), "PNG", optimize=False)
    # 16-bit: each 8-bit value * 257 plus a per-sample offset in [-200, 200], so the high byte
    # (what Pillow keeps) and round(v / 257) differ in many places.
    rgb16 = rgb.astype(np.int32) * 257 + rng.integers(-200, 201, rgb.shape)
    write_png16(path("rgb16.png"), np.clip(rgb16, 0, 65535).astype(np.uint16))
    gray = np.asarray(crop.convert("L"))
    gray16 = gray.astype(np.int32) * 257 + rng.integers(-200, 201, gray.shape)
    write_png16(path("gray16.png"), np.clip(gray16, 0, 65535).astype(np.uint16))

    crop.quantize(64).save(path("palette.png"), "PNG", optimize=False)  # 8-bit indices
    crop.quantize(16).save(path("palette_4bit.png"), "PNG", optimize=False)  # Pillow packs 4 bits
    crop.quantize(64).save(path("palette_trns.png"), "PNG", optimize=False, transparency=5)  # a tRNS chunk
    alpha = (np.arange(width)[None, :] * 255 // (width - 1) + np.arange(height)[:, None]) % 256
    rgba = np.dstack([rgb, alpha.astype(np.uint8)])
    Image.fromarray(rgba, "RGBA").save(path("rgba.png"), "PNG", optimize=False)
    la = np.dstack([gray, (255 - alpha).astype(np.uint8)])
    Image.fromarray(la, "LA").save(path("gray_alpha.png"), "PNG", optimize=False)

    for name, source in (("truncated.jpg", "baseline.jpg"), ("truncated.png", "rgb8.png")):
        with open(os.path.join(directory, source), "rb") as f:
            data = f.read()
        with open(path(name), "wb") as f:
            f.write(data[: len(data) * 6 // 10])
    with open(path("not_an_image.jpg"), "w") as f:
        f.write("This is a text file with an image's extension.\n")
    print("\n".join(written))


def open_rgb(file: str) -> Image.Image:
    with Image.open(file) as image:
        return image.convert("RGB")


def decode(file: str, channels: int) -> np.ndarray:
    if channels not in (1, 3, 4):
        raise ValueError(f"CHANNELS must be 1, 3 or 4, not {channels}")
    header = png_header(file)
    if header is not None and header[2] == 16:
        values = read_png16(file)
        pixels = ((values.astype(np.uint32) + 128) // 257).astype(np.uint8)  # round(v / 257)
        colour = pixels[..., :1] if values.shape[2] <= 2 else pixels[..., :3]  # alpha dropped
        if channels == 4:
            opaque = np.full(pixels.shape[:2] + (1,), 255, np.uint8)
            alpha = pixels[..., -1:] if values.shape[2] in (2, 4) else opaque
            return np.concatenate([np.repeat(colour, 3 // colour.shape[2], axis=2), alpha], axis=2)
        if channels == 3:
            return np.repeat(colour, 3, axis=2) if colour.shape[2] == 1 else colour
        return colour if colour.shape[2] == 1 else luma(colour)[..., None]
    with Image.open(file) as image:
        pixels = np.asarray(image.convert({1: "L", 3: "RGB", 4: "RGBA"}[channels]))
    return pixels.reshape(pixels.shape[0], pixels.shape[1], channels)


def hwc(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def main(argv: list) -> None:
    if len(argv) < 2:
        raise ValueError("no subcommand (see the usage at the top of this file)")
    command, args = argv[1], argv[2:]
    arity = {"make": 1, "decode": 3, "resize": 4, "resize_gray": 4, "resized_crop": 8, "center_crop": 4, "jitter": 5,
             "normalize": 2}
    if command not in arity:
        raise ValueError(f"unknown subcommand {command!r}")
    if len(args) != arity[command]:
        raise ValueError(f"{command} takes {arity[command]} arguments, got {len(args)}")
    if command == "make":
        make(args[0])
        return

    file, out = args[0], args[-1]
    numbers = [float(a) if command == "jitter" else int(a) for a in args[1:-1]]
    if command == "decode":
        array = decode(file, int(numbers[0]))
    elif command == "resize":
        height, width = numbers
        array = hwc(open_rgb(file).resize((width, height), Image.BILINEAR))
    elif command == "resize_gray":
        height, width = numbers
        with Image.open(file) as image:
            array = np.asarray(image.convert("L").resize((width, height), Image.BILINEAR))[..., None]
    else:
        import torchvision.transforms.functional as F
        from torchvision.transforms import InterpolationMode

        if command == "resized_crop":
            top, left, height, width, size_h, size_w = numbers
            array = hwc(F.resized_crop(open_rgb(file), top, left, height, width, [size_h, size_w],
                                       InterpolationMode.BILINEAR))
        elif command == "center_crop":
            array = hwc(F.center_crop(open_rgb(file), numbers))
        elif command == "jitter":
            brightness, contrast, saturation = numbers
            tensor = F.adjust_brightness(F.to_tensor(open_rgb(file)), brightness)
            tensor = F.adjust_saturation(F.adjust_contrast(tensor, contrast), saturation)
            array = tensor.numpy()
        else:  # normalize
            tensor = F.normalize(F.to_tensor(open_rgb(file)), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
            array = tensor.numpy()
    array = np.ascontiguousarray(array, dtype="<f4" if array.dtype.kind == "f" else np.uint8)
    with open(out, "wb") as f:
        f.write(array.tobytes())
    print(" ".join(str(d) for d in array.shape))


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception as error:  # noqa: BLE001 - any failure is reported the same way
        print(f"image_reference.py: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
