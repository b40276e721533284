// The server's event loops (LoopOptions::threads of them): each thread owns its share of the
// sockets from accept to close (net/loop.h). They share the listening sockets (HTTPS or
// HTTP, and with --http-port the plain one beside it), one worker pool, the connection caps
// and the live count; a new connection goes to the loop holding the fewest. Near the connection
// cap, the oldest connection that has not yet sent a whole request is closed to make room: never an
// open stream.
#pragma once

#include <memory>
#include <vector>

#include "core/hub.h"
#include "core/metrics.h"
#include "net/loop_options.h"
#include "net/request_handler.h"

namespace proof::net {

/// Event loops for --threads 0: one per core this process may run on (its CPU affinity),
/// at most 8 (past that the kernel's TCP path, not the loops, is what limits a fan-out).
std::size_t default_threads();

class EventLoop {
 public:
  /// `listeners`: at least one; their sockets are made non-blocking here (not owned).
  EventLoop(std::vector<Listener> listeners, LoopOptions options, core::Hub& hub,
            core::Metrics& metrics);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Serves until stop() (on this thread and LoopOptions::threads - 1 more); then ends
  /// every stream cleanly and closes every connection.
  void run();

  /// Safe from any thread (and a signal-handling thread).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace proof::net
