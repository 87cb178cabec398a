#include "blox/data/worker_pool.h"

namespace bx {

WorkerPool::WorkerPool(int64_t workers) {
  for (int64_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

// Takes items until none are left; the caller holds no lock.
void WorkerPool::take_items() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (next_ < n_) {
    const int64_t i = next_++;
    const auto* body = body_;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*body)(i);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error && (failed_at_ < 0 || i < failed_at_)) {
      failed_at_ = i;
      failure_ = error;
    }
    if (++finished_ == n_) done_.notify_all();
  }
}

void WorkerPool::work() {
  int64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    take_items();
  }
}

void WorkerPool::run(int64_t n, const std::function<void(int64_t)>& body) {
  if (n <= 0) return;
  std::lock_guard<std::mutex> one_run(run_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    body_ = &body;
    n_ = n;
    next_ = finished_ = 0;
    failed_at_ = -1;
    failure_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  take_items();
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return finished_ == n_; });
  n_ = 0;  // late workers find nothing to take
  body_ = nullptr;
  if (failure_) std::rethrow_exception(failure_);
}

}  // namespace bx
