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
      const auto waiting = [this] {
        for (const auto& lane : tasks_) {
          if (!lane.empty()) return true;
        }
        return false;
      };
      ready_.wait(lock, [&] { return stopping_ || waiting(); });
      // Finish what was queued before stopping: each task answers a waiting client.
      if (!waiting()) return;
      // The first lane with a task, from the one whose turn it is; the turn then passes to
      // the lane after it.
      std::size_t index = next_lane_;
      while (tasks_[index].empty()) index = (index + 1) % kLanes;
      next_lane_ = (index + 1) % kLanes;
      auto& lane = tasks_[index];
      task = std::move(lane.front());
      lane.pop_front();
    }
    task();
  }
}

}  // namespace proof::net
