// A fixed set of threads that run the iterations of a loop in parallel (decoding a batch's files).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace bx {

class WorkerPool {
 public:
  /// `workers` threads (0: the calling thread does all the work).
  explicit WorkerPool(int64_t workers);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int64_t workers() const { return static_cast<int64_t>(threads_.size()); }
  /// Calls body(i) for i in [0, n), spread over the workers (and the caller), and returns when
  /// all are done; rethrows the first exception of the lowest i that threw. One run at a time.
  void run(int64_t n, const std::function<void(int64_t)>& body);

 private:
  void work();
  void take_items();

  std::vector<std::thread> threads_;
  std::mutex run_mutex_;  // one run() at a time
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t)>* body_ = nullptr;
  int64_t n_ = 0, next_ = 0, finished_ = 0, generation_ = 0;
  int64_t failed_at_ = -1;
  std::exception_ptr failure_;
  bool stop_ = false;
};

}  // namespace bx
