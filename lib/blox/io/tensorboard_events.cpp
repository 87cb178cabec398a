#include "blox/io/tensorboard_events.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/io/atomic_file.h"
#include "blox/io/tensorboard_event.pb.h"
#include "blox/io/tfrecord.h"

namespace bx {
namespace {

namespace fs = std::filesystem;

// TensorBoard's naming (it reads any name holding "tfevents"); the suffix marks blox's own files,
// the only ones it rewrites.
constexpr std::string_view kPrefix = "events.out.tfevents.";
constexpr std::string_view kSuffix = ".blox";

bool is_event_file_name(std::string_view name) {
  return name.size() > kPrefix.size() + kSuffix.size() && name.substr(0, kPrefix.size()) == kPrefix &&
         name.substr(name.size() - kSuffix.size()) == kSuffix;
}

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// A file's records and the event each holds.
struct Decoded {
  TfRecords framing;
  std::vector<tensorboard::Event> events;
};

Decoded decode(const std::string& path) {
  Decoded d{read_tfrecords(path), {}};
  for (size_t i = 0; i < d.framing.records.size(); ++i) {
    tensorboard::Event event;
    if (!event.ParseFromString(d.framing.records[i])) {
      throw DataError(fmt::format("{}: record {}: not a TensorBoard event; the file is damaged", path, i + 1));
    }
    d.events.push_back(std::move(event));
  }
  return d;
}

}  // namespace

std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!is_event_file_name(entry.path().filename().string())) continue;
    // A link (to /dev/zero, say) or a folder under an event file's name is not read, nor
    // replaced by a rewrite, nor passed over: someone put it there.
    if (!fs::is_regular_file(entry.symlink_status(ec))) {
      throw DataError(fmt::format("{}: named as one of this run's TensorBoard event files, but {}; hint: move it "
                                  "away, or set train.tensorboard: false",
                                  entry.path().string(),
                                  fs::is_symlink(entry.symlink_status(ec)) ? "a symbolic link"
                                  : fs::is_directory(entry.symlink_status(ec)) ? "a directory"
                                                                               : "not a regular file"));
    }
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());  // the names start with their creation time
  return files;
}

EventFile read_event_file(const std::string& path) {
  const Decoded d = decode(path);
  EventFile file;
  file.torn_bytes = d.framing.torn_bytes;
  if (!d.events.empty()) file.file_version = d.events.front().file_version();
  for (const tensorboard::Event& e : d.events) {
    if (!e.has_summary()) continue;
    ScalarEvent event{e.step(), e.wall_time(), {}};
    for (const auto& value : e.summary().value()) event.scalars.push_back({value.tag(), value.simple_value()});
    file.events.push_back(std::move(event));
  }
  return file;
}

int64_t truncate_events_after(const std::string& dir, int64_t step, std::vector<std::string>* notes) {
  int64_t last = -1;
  for (const std::string& path : event_files(dir)) {
    const Decoded d = decode(path);
    bool dropped = d.framing.torn_bytes > 0;
    if (dropped && notes) {
      notes->push_back(fmt::format("{}: dropped {} bytes after its last whole record ({} kept): a write cut short, as "
                                   "by a crash",
                                   path, d.framing.torn_bytes, d.framing.records.size()));
    }
    std::string kept;
    for (size_t i = 0; i < d.events.size(); ++i) {
      const tensorboard::Event& e = d.events[i];
      if (e.has_summary() && e.step() > step) {
        dropped = true;
        continue;
      }
      kept += tfrecord(d.framing.records[i]);
      if (e.has_summary()) last = std::max(last, e.step());
    }
    // Untouched otherwise: a TensorBoard watching the file keeps reading it where it was.
    if (dropped) write_file_atomically(path, kept);
  }
  return last;
}

EventWriter::EventWriter(const std::string& dir) {
  fs::create_directories(dir);
  const std::vector<std::string> existing = event_files(dir);
  path_ = existing.empty()
              ? (fs::path(dir) / fmt::format("{}{}.{}{}", kPrefix, std::time(nullptr), host_name(), kSuffix)).string()
              : existing.back();
  out_.open(path_, std::ios::binary | std::ios::app);
  if (!out_) throw Error(fmt::format("{}: cannot open for appending: {}", path_, std::strerror(errno)));
  if (existing.empty()) {
    tensorboard::Event event;
    event.set_wall_time(unix_seconds_now());
    event.set_file_version(kEventFileVersion);
    append(event.SerializeAsString());
  }
}

void EventWriter::write(int64_t step, const std::vector<Scalar>& scalars) {
  tensorboard::Event event;
  event.set_wall_time(unix_seconds_now());
  event.set_step(step);
  tensorboard::Summary* summary = event.mutable_summary();
  for (const Scalar& s : scalars) {
    tensorboard::Summary::Value* value = summary->add_value();
    value->set_tag(s.tag);
    value->set_simple_value(static_cast<float>(s.value));
  }
  append(event.SerializeAsString());
}

void EventWriter::append(const std::string& event) {
  out_ << tfrecord(event);
  out_.flush();
  if (!out_) throw Error(fmt::format("{}: write failed: {}", path_, std::strerror(errno)));
}

}  // namespace bx
