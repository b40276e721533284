#include "net/worker_pool.h"

namespace proof::net {

WorkerPool::WorkerPool(std::size_t threads) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
  shutdown();
}

bool WorkerPool::submit(std::function<void()> task, Lane lane) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    tasks_[static_cast<int>(lane)].push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      auto& requests = tasks_[static_cast<int>(Lane::requests)];
      auto& streams = tasks_[static_cast<int>(Lane::streams)];
      ready_.wait(lock, [&] { return stopping_ || !requests.empty() || !streams.empty(); });
      // Finish what was queued before stopping: each task answers a waiting client.
      if (requests.empty() && streams.empty()) return;
      const bool take_stream = requests.empty() || (!streams.empty() && streams_next_);
      if (!requests.empty() && !streams.empty()) streams_next_ = !take_stream;
      auto& lane = take_stream ? streams : requests;
      task = std::move(lane.front());
      lane.pop_front();
    }
    task();
  }
}

}  // namespace proof::net
