// The few threads that answer complete requests (the HTTP layer's RequestHandler). The event loop
// owns every socket and hands a worker only a request it has already read in full, so a worker is
// never held by a slow or idle client and the number of threads stays fixed however many
// connections are open.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "net/request_policy.h"

namespace proof::net {

class WorkerPool {
 public:
  /// Starts `threads` workers at once; they live until shutdown().
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues `task` on `lane` for the next free worker; false once shutdown() has begun.
  /// The lanes (net::Lane) take turns when several hold tasks, so that no kind of request
  /// can hold up another: a reconnect storm's thousands of stream handshakes delay a POST
  /// or /healthz by one task at most, and a flood of POSTs or deliveries does not keep new
  /// streams out.
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
  std::deque<std::function<void()>> tasks_[kLanes];  ///< by Lane
  std::size_t next_lane_ = 0;  ///< the lane whose turn it is when several wait
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace proof::net
