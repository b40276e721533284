// Process-wide concerns of a long-running server: stop signals and the open-file limit.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>

namespace proof {

/// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards.
/// Call it first: a thread started before it (the Redis reader, the tallies) would take a
/// SIGTERM with the default action and end the process without a clean stop; blocked, the
/// signal waits for StopSignals.
void block_stop_signals();

/// Blocks SIGTERM and SIGINT in the calling thread (and so in every thread it starts
/// afterwards), then runs a thread that calls `on_stop` with the first one to arrive.
/// Construct it before any other thread exists. The destructor waits until `on_stop` has
/// returned (or ends the wait for a signal that never came), so what `on_stop` uses can be
/// destroyed safely afterwards.
class StopSignals {
 public:
  explicit StopSignals(std::function<void(int)> on_stop);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

/// Raises the soft limit on open files to the hard limit: each stream is a socket.
/// Warns when even that is below what `max_subscribers` needs.
void raise_open_file_limit(std::size_t max_subscribers);

}  // namespace proof
