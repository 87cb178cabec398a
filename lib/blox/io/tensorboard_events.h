// TensorBoard event files of a run directory: scalar summaries, one event per metrics row, as
// protobuf messages (tensorboard_event.proto: TensorBoard's own field numbers) in TFRecord framing.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace bx {

/// A named value of a summary event (stored as a float32, as TensorBoard's simple_value).
struct Scalar {
  std::string tag;
  double value = 0;
};

/// A summary event read back.
struct ScalarEvent {
  int64_t step = 0;
  double wall_time = 0;
  std::vector<Scalar> scalars;
};

/// An event file read back.
struct EventFile {
  std::string file_version;         ///< of its first event ("" when it has none)
  std::vector<ScalarEvent> events;  ///< its summary events, in file order
  size_t torn_bytes = 0;            ///< an incomplete last record (a write cut short), left out
};

/// "brain.Event:2": the version TensorBoard's own writers put in a file's first event.
inline constexpr const char* kEventFileVersion = "brain.Event:2";

/// The event files blox wrote in `dir` (events.out.tfevents.<unix seconds>.<host>.blox),
/// oldest first; none when `dir` does not exist. DataError naming an entry of that name that
/// is not a regular file (a directory, a link, a device).
std::vector<std::string> event_files(const std::string& dir);

/// Reads an event file. DataError naming it when it cannot be read, a checksum does not match
/// or a record is not an event.
EventFile read_event_file(const std::string& path);

/// Drops, from every event file of `dir`, the events after `step` and an incomplete last record
/// (a resumed run does those steps again), each file replaced atomically; a file with nothing to
/// drop is left as it is. Returns the last step of a summary event kept (-1: none). DataError
/// naming the file when one cannot be read or is damaged. An incomplete last record dropped is
/// said in `notes` (file, bytes), for the user to hear.
int64_t truncate_events_after(const std::string& dir, int64_t step, std::vector<std::string>* notes = nullptr);

/// Appends summary events to the newest event file of a directory, or to a new one whose first
/// event is the file version (TensorBoard reads every event file of a directory, in name order).
/// After a crash, truncate_events_after first: appending after a torn record would bury it.
class EventWriter {
 public:
  /// Creates `dir` when missing. Error naming the file when it cannot be opened.
  explicit EventWriter(const std::string& dir);

  /// One event at `step` holding `scalars`, stamped with the time now; flushed, so a crash
  /// loses at most this event. Error naming the file when the write fails.
  void write(int64_t step, const std::vector<Scalar>& scalars);

  const std::string& path() const { return path_; }

 private:
  void append(const std::string& event);

  std::string path_;
  std::ofstream out_;
};

}  // namespace bx
