// cpp-httplib runs each connection as one task on its TaskQueue, and an SSE stream holds
// its task for as long as the browser stays. The library's own pool has a fixed number of
// threads made up front: with 8, the 9th stream waits forever; with 10,000, idle memory is
// ~100 MB. This pool makes a thread when no idle one is free, up to a cap, and lets idle
// threads go after a while, so memory follows the number of open streams.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace proof {

/// What enqueue() returns in the linked cpp-httplib: void up to 0.14, bool from 0.15.
using EnqueueResult =
    decltype(std::declval<httplib::TaskQueue&>().enqueue(std::function<void()>{}));

class WorkerPool final : public httplib::TaskQueue {
 public:
  struct Options {
    std::size_t max_threads = 10256;               ///< hard cap; tasks beyond it wait
    /// Per thread. Only touched pages cost memory, so a full 8 MiB costs no more RSS than
    /// 64 KiB; and cpp-httplib parses a Range header with a recursive std::regex before any
    /// handler of ours runs: an 8 KB hostile Range header overflows a 1 MiB stack.
    std::size_t stack_bytes = 8192 * 1024;
    std::chrono::milliseconds idle_timeout{30000};  ///< an idle thread exits after this
    std::chrono::milliseconds drain_timeout{800};   ///< shutdown() waits this long at most
  };

  /// Shared with every worker thread, so a thread still finishing after shutdown() gave up
  /// waiting never touches freed memory; also lets the owner see what is still running.
  struct State;

  explicit WorkerPool(Options options);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  EnqueueResult enqueue(std::function<void()> fn) override;

  /// Refuses new tasks, then waits up to drain_timeout for running ones to finish.
  void shutdown() override;

  /// Threads alive now (busy or idle).
  std::size_t threads() const;

  std::shared_ptr<State> state() const { return state_; }

  /// Threads still alive in `state` (callable after the pool object itself is gone).
  static std::size_t live_threads(const State& state);

 private:
  bool submit(std::function<void()> fn);

  std::shared_ptr<State> state_;
};

}  // namespace proof
