// TensorBoard event files: the name, the first event, summary events on the wire as TensorBoard
// encodes them, appending, truncation for a resume (atomic, nothing rewritten when nothing goes),
// damage named.
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/io/tensorboard_events.h"
#include "blox/io/tfrecord.h"

#include "support/temp_dir.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {

using bx::test::TempDir;

std::vector<int64_t> steps(const EventFile& file) {
  std::vector<int64_t> s;
  for (const auto& e : file.events) s.push_back(e.step);
  return s;
}

// Events at `steps`, each with one scalar "loss" = step / 10.
std::string write_events(const fs::path& dir, const std::vector<int64_t>& at) {
  EventWriter writer(dir.string());
  for (int64_t step : at) writer.write(step, {{"loss", step / 10.0}});
  return writer.path();
}

}  // namespace

TEST_CASE("EventWriter: TensorBoard's file name, the file version first, then one event per write") {
  TempDir dir;
  const double before = std::time(nullptr);
  std::string path;
  {
    EventWriter writer(dir.path.string());
    path = writer.path();
    writer.write(10, {{"train/loss", 0.25}, {"eval/accuracy", 0.8125}});
    writer.write(20, {{"train/loss", 1.0 / 3}});
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string name = fs::path(path).filename().string();
  const std::string seconds = name.substr(std::string("events.out.tfevents.").size(), 10);
  CHECK(name == "events.out.tfevents." + seconds + "." + host + ".blox");
  CHECK(std::stod(seconds) >= before);
  CHECK(std::stod(seconds) < before + 600);
  CHECK(event_files(dir.path.string()) == std::vector<std::string>{path});
  const EventFile file = read_event_file(path);
  CHECK(file.file_version == "brain.Event:2");
  CHECK(file.torn_bytes == 0);
  REQUIRE(steps(file) == std::vector<int64_t>{10, 20});
  REQUIRE(file.events[0].scalars.size() == 2);
  CHECK(file.events[0].scalars[0].tag == "train/loss");
  CHECK(file.events[0].scalars[0].value == 0.25);
  CHECK(file.events[0].scalars[1].tag == "eval/accuracy");
  CHECK(file.events[0].scalars[1].value == 0.8125);
  CHECK(file.events[1].scalars[0].value == static_cast<float>(1.0 / 3));  // a float32, as TensorBoard's
  CHECK(file.events[0].wall_time >= before);
  CHECK(file.events[0].wall_time < before + 600);
}

TEST_CASE("EventWriter: a summary event is encoded with TensorBoard's field numbers") {
  TempDir dir;
  const std::string path = write_events(dir.path, {});
  {
    EventWriter writer(dir.path.string());
    writer.write(7, {{"a", 0.5}});
  }
  const TfRecords records = read_tfrecords(path);
  REQUIRE(records.records.size() == 2);
  // Event{wall_time (1, double), file_version (3, string) "brain.Event:2"}.
  const std::string& first = records.records[0];
  REQUIRE(first.size() == 9 + 2 + 13);
  CHECK(first[0] == '\x09');
  CHECK(first.substr(9) == std::string("\x1a\x0d") + "brain.Event:2");
  // Event{wall_time, step (2, varint) 7, summary (5) {value (1) {tag (1) "a", simple_value (2, float) 0.5}}}.
  const std::string& second = records.records[1];
  CHECK(second[0] == '\x09');
  CHECK(second.substr(9) == std::string("\x10\x07\x2a\x0a\x0a\x08\x0a\x01" "a\x15\x00\x00\x00\x3f", 14));
}

TEST_CASE("EventWriter: a second writer appends to the directory's file, with no second file version") {
  TempDir dir;
  const std::string path = write_events(dir.path, {1, 2});
  CHECK(write_events(dir.path, {3}) == path);
  const EventFile file = read_event_file(path);
  CHECK(steps(file) == std::vector<int64_t>{1, 2, 3});
  CHECK(read_tfrecords(path).records.size() == 4);
  CHECK(event_files(dir.path.string()).size() == 1);
}

TEST_CASE("truncate_events_after: events after the step go, the file version stays; the last step kept") {
  TempDir dir;
  const std::string path = write_events(dir.path, {10, 20, 30, 40});
  CHECK(truncate_events_after(dir.path.string(), 25) == 20);
  const EventFile file = read_event_file(path);
  CHECK(file.file_version == "brain.Event:2");
  CHECK(steps(file) == std::vector<int64_t>{10, 20});
  CHECK(file.events[1].scalars[0].value == 2.0);
  // A resumed run appends its steps after them: none twice.
  write_events(dir.path, {30, 40});
  CHECK(steps(read_event_file(path)) == std::vector<int64_t>{10, 20, 30, 40});
  CHECK(truncate_events_after(dir.path.string(), 0) == -1);
  CHECK(steps(read_event_file(path)).empty());
  CHECK(read_event_file(path).file_version == "brain.Event:2");
}

TEST_CASE("truncate_events_after: a file with nothing to drop keeps its inode; no directory, no files: -1") {
  TempDir dir;
  const std::string path = write_events(dir.path, {10, 20});
  struct stat before {};
  ::stat(path.c_str(), &before);
  CHECK(truncate_events_after(dir.path.string(), 20) == 20);
  struct stat after {};
  ::stat(path.c_str(), &after);
  CHECK(before.st_ino == after.st_ino);
  CHECK(truncate_events_after((dir.path / "none").string(), 5) == -1);
}

TEST_CASE("truncate_events_after: a record cut short by a crash is dropped, so appending goes on cleanly") {
  TempDir dir;
  const std::string path = write_events(dir.path, {10, 20});
  std::ofstream(path, std::ios::binary | std::ios::app) << tfrecord("a record cut short").substr(0, 15);
  CHECK(read_event_file(path).torn_bytes == 15);
  CHECK(truncate_events_after(dir.path.string(), 100) == 20);
  write_events(dir.path, {30});
  const EventFile file = read_event_file(path);
  CHECK(file.torn_bytes == 0);
  CHECK(steps(file) == std::vector<int64_t>{10, 20, 30});
}

TEST_CASE("truncate_events_after: a damaged file or one whose records are not events is a DataError naming it") {
  TempDir dir;
  const std::string path = write_events(dir.path, {10, 20});
  std::string bytes = bx::test::read_text(path);
  bytes[bytes.size() - 6] = static_cast<char>(bytes[bytes.size() - 6] ^ 1);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  CHECK_THROWS_WITH_AS(truncate_events_after(dir.path.string(), 10),
                       doctest::Contains((path + ": record 3 (byte ").c_str()), DataError);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << tfrecord("\xff\xff not a protobuf message");
  CHECK_THROWS_WITH_AS(truncate_events_after(dir.path.string(), 10),
                       doctest::Contains((path + ": record 1: not a TensorBoard event").c_str()), DataError);
}

TEST_CASE("event_files: only blox's event files, oldest first") {
  TempDir dir;
  fs::create_directories(dir.path);
  for (const char* name : {"events.out.tfevents.1700000002.b.blox", "events.out.tfevents.1700000001.a.blox",
                           "events.out.tfevents.1700000000.other-writer", "metrics.jsonl",
                           ".events.out.tfevents.1700000003.a.blox.tmp-abc123"}) {
    std::ofstream(dir.path / name) << "";
  }
  CHECK(event_files(dir.path.string()) ==
        std::vector<std::string>{(dir.path / "events.out.tfevents.1700000001.a.blox").string(),
                                 (dir.path / "events.out.tfevents.1700000002.b.blox").string()});
}
