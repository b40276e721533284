// One event loop: a thread that owns its connections from adoption to close (epoll,
// edge-triggered). It reads each request's head and body into the connection's buffer,
// checks the head strictly, hands complete requests to the shared worker pool, writes the
// answers in order, keeps idle keep-alive connections, and runs its share of the event
// streams (its Fanout). A loop never touches another loop's connections: sockets, answers
// and requests to make room come to it through its inbox. loop.cpp holds the loop, accept
// and placement, room near the cap, ticks and shutdown; loop_requests.cpp the HTTP/1
// request state machine of one connection.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/hub.h"
#include "core/metrics.h"
#include "core/presence.h"
#include "net/caps.h"
#include "net/connection.h"
#include "net/fanout.h"
#include "net/loop_options.h"
#include "net/request_handler.h"
#include "net/worker_pool.h"

namespace proof::net {

class Loop;

/// What every loop of one server shares; owned by EventLoop, outlives its loops.
struct LoopShared {
  LoopShared(const std::vector<Listener>& l, const LoopOptions& o, core::Hub& hb, core::Metrics& m);

  const std::vector<Listener>& listeners;  ///< every loop waits on each of them
  const LoopOptions& options;
  core::Hub& hub;
  core::Metrics& metrics;
  ConnectionCaps caps;
  core::PresenceBoard presence;
  WorkerPool pool;
  std::atomic<bool> stopping{false};
  std::vector<Loop*> loops;  ///< set before any loop runs, then never changed
};

/// A socket just accepted, on its way to the loop that will own it.
struct Accepted {
  int fd = -1;
  const Listener* listener = nullptr;  ///< the socket it came in on
  Peer peer;
  ConnectionSlot slot;  ///< its places under the caps, already taken
  /// When it was accepted: its request's deadline and its place in the wait lists count
  /// from here, not from when the loop it is handed to takes it (which may be later).
  std::chrono::steady_clock::time_point at{};
};

class Loop {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Loop(LoopShared& shared);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  /// Serves until LoopShared::stopping; then ends every stream with its last chunk. What
  /// workers still hold is written by finish().
  void run();
  /// After every loop's run() returned and the worker pool drained (on any one thread):
  /// writes the answers the workers finished, and closes every connection.
  void finish();

  /// Wakes the loop (from any thread): to stop, or because the hub has new events.
  void wake(bool events);

  /// Any thread: hands over an accepted socket; the loop takes it at its next turn.
  void adopt(Accepted accepted);

  /// Connections it holds, for placing new ones (read from other loops' threads).
  std::size_t load() const { return load_.load(std::memory_order_relaxed); }
  /// Since when its connections that have not yet sent a whole request (`fresh`), and those
  /// idle between requests, have waited longest (steady clock, ns; -1: none): which loop
  /// makes room near the cap (read from other loops' threads).
  const WaitList& fresh() const { return fresh_; }
  const WaitList& idle() const { return idle_; }

 private:
  struct Completion {
    int fd;
    std::uint64_t serial;
    bool http10;  ///< of the request answered: an HTTP/1.0 stream has no chunked coding
    bool close;   ///< the connection ends after this answer
    Answer answer;
  };

  void accept_batch(const Listener& listener);
  /// Places a socket this loop accepted: here or on another loop (least loaded), or
  /// refuses it at once when the caps say so.
  void place(int fd, const Listener& listener, Peer peer);
  void take(Accepted accepted);
  void take_adopted();
  void on_event(Connection& c, std::uint32_t events, Clock::time_point now);
  void on_readable(Connection& c, Clock::time_point now);
  void process_input(Connection& c, Clock::time_point now);
  /// Reads the head of `c`'s request; false while it is incomplete, or when `c` was
  /// refused or closed.
  bool read_head(Connection& c, RequestState& request);
  /// Bytes `c` may buffer: a request head, its body and one pipelined after it.
  std::size_t read_limit(const Connection& c) const;
  /// A body over the usual limit (only /hooks/ may send one) takes one of
  /// LoopOptions::max_large_bodies places while it arrives; false (refused) when none is free.
  bool admit_large_body(Connection& c, RequestState& request);
  void dispatch(Connection& c, std::size_t total, Clock::time_point now);
  void take_completions(Clock::time_point now);
  void complete(Completion& done, Clock::time_point now);
  void start_stream(Connection& c, StreamOpening& opening, bool http10, Clock::time_point now);
  void refuse(Connection& c, const core::Refusal& refusal);
  void after_write(Connection& c, Connection::Io io, Clock::time_point now);
  void begin_linger(Connection& c, Clock::time_point now);
  void drop_streams();
  void close(Connection& c);
  /// Closes, with a 503, this loop's connection that has waited longest of those that have
  /// not yet sent a whole request, or if there is none of those idle between requests;
  /// false when there is neither.
  bool make_room();
  /// The loop holding the connection that has waited longest for a request, of all loops
  /// (those that never sent a whole request first); null when none waits.
  Loop* longest_waiting() const;
  /// Has the longest-waiting connection of all loops closed: here, or by asking its loop.
  void make_room_somewhere();
  void tick(Clock::time_point now);
  void timeouts(Connection& c, Clock::time_point now);
  void end_streams();
  Connection* find(int fd, std::uint64_t serial);

  LoopShared& shared_;
  const LoopOptions& options_;
  Fanout fanout_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::vector<std::unique_ptr<Connection>> connections_;  ///< by fd
  std::uint64_t next_serial_ = 1;
  std::vector<Subscriber*> dropped_;
  bool fanning_out_ = false;  ///< an event is still being written to this loop's streams
  WaitList fresh_;            ///< connections that have not yet sent a whole request
  WaitList idle_;             ///< keep-alive connections between requests
  std::atomic<std::size_t> load_{0};

  std::mutex inbox_mutex_;
  std::vector<Accepted> adopted_;  ///< sockets from other loops, guarded by inbox_mutex_
  std::vector<Completion> done_;   ///< answers from workers, guarded by inbox_mutex_
  std::size_t rooms_asked_ = 0;    ///< connections to close for room, guarded by inbox_mutex_
  std::atomic<bool> events_pending_{false};
  std::atomic<bool> woken_{false};
};

}  // namespace proof::net
