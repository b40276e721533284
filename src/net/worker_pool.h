// The few threads that run complete requests through cpp-httplib. The event loop owns
// every socket and hands a worker only a request it has already read in full, so a worker
// is never held by a slow or idle client and the number of threads stays fixed however
// many connections are open.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace proof::net {

class WorkerPool {
 public:
  /// Two queues that take turns when both hold tasks, so that neither kind of request can
  /// hold up the other: a reconnect storm's thousands of stream handshakes delay a POST or
  /// /healthz by one task at most, and a flood of POSTs does not keep new streams out.
  enum class Lane { requests, streams };

  /// Starts `threads` workers at once; they live until shutdown().
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues `task` on `lane` for the next free worker; false once shutdown() has begun.
  /// Tasks of one lane run in the order given. The queues hold at most one task per
  /// connection (the loop dispatches a connection's next request only after its answer),
  /// so they are bounded by them.
  bool submit(std::function<void()> task, Lane lane = Lane::requests);

  /// Runs what is queued, then joins every worker. Idempotent.
  void shutdown();

  std::size_t threads() const { return threads_.size(); }

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_[2];  ///< by Lane
  bool streams_next_ = false;                   ///< whose turn it is when both lanes wait
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace proof::net
