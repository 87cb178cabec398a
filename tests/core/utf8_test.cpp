// Strict UTF-8: what is refused (and where), and round trips of every sequence length.
#include "blox/core/utf8.h"
#include "support/helpers.h"

using namespace bx;

TEST_CASE("invalid_utf8_at: the offset of the first bad sequence, nothing for valid text") {
  CHECK_FALSE(invalid_utf8_at("plain ascii").has_value());
  CHECK_FALSE(invalid_utf8_at("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80").has_value());  // é € 😀
  CHECK(invalid_utf8_at("ab\x80").value() == 2);                  // a stray continuation byte
  CHECK(invalid_utf8_at("ab\xe2\x82").value() == 2);              // truncated
  CHECK(invalid_utf8_at("a\xc0\xaf").value() == 1);               // overlong '/'
  CHECK(invalid_utf8_at("\xe0\x80\xaf").value() == 0);            // overlong, 3 bytes
  CHECK(invalid_utf8_at("x\xed\xa0\x80").value() == 1);           // a surrogate
  CHECK(invalid_utf8_at("\xf4\x90\x80\x80").value() == 0);        // past U+10FFFF
  CHECK(invalid_utf8_at("\xff").value() == 0);
  CHECK(invalid_utf8_at("ok\xc3(").value() == 2);                 // a lead byte without its continuation
}

TEST_CASE("decode_utf8 and to_utf8 round trip one to four byte sequences") {
  const std::string text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
  const std::u32string points = decode_utf8(text);
  CHECK(points == std::u32string{U'a', 0xe9, 0x20ac, 0x1f600, 0x10ffff});
  CHECK(to_utf8(points) == text);
}
