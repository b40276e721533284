// Process-wide concerns of a long-running server: its signals (stop, reload), a minute's
// tick for upkeep, and the open-file limit.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>

namespace proof::app {

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and every thread it starts
/// afterwards. Call it first: a thread started before it (the Redis reader, the tallies)
/// would take a SIGTERM with the default action and end the process without a clean stop;
/// blocked, the signal waits for the signal thread.
void block_stop_signals();

/// What the signal thread calls. Each runs on that one thread, never two at once.
struct SignalHandlers {
  std::function<void(int)> on_stop;  ///< the first SIGTERM or SIGINT; the thread then ends
  std::function<void()> on_reload;   ///< each SIGHUP (systemctl reload); may be empty
  std::function<void()> on_minute;   ///< about once a minute while running; may be empty
};

/// Blocks the signals (block_stop_signals), then runs one thread that waits for them and
/// calls the handlers, and calls on_minute when a minute passes without a stop. Construct
/// it before any other thread exists. The destructor waits until a running handler has
/// returned (or ends the wait for a signal that never came), so what the handlers use can
/// be destroyed safely afterwards.
class SignalThread {
 public:
  explicit SignalThread(SignalHandlers handlers);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

/// Raises the soft limit on open files to the hard limit: each stream is a socket.
/// Warns when even that is below what `max_subscribers` needs.
void raise_open_file_limit(std::size_t max_subscribers);

}  // namespace proof::app
