// The fan-out: the open streams of one event loop, and the one place events are written to
// them. A publish wakes every loop; each reads the new events from the hub once and writes
// the same pre-serialised frames to its streams with non-blocking writes. A stream that
// cannot keep up is dropped past a bounded backlog (its browser resumes with Last-Event-ID);
// one that has been quiet for a heartbeat period gets a comment, which also reveals dead
// peers. The live count is the instance's (PresenceBoard, shared by every loop and, through
// its exchange, with other instances). Runs on its loop's thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/hub.h"
#include "core/metrics.h"
#include "core/presence.h"
#include "net/http1.h"

namespace proof::net {

/// Where a stream's bytes go: the connection, or a test double.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  /// Writes `pieces` in order (or queues what the socket does not take now). False when the
  /// client is gone or more than its backlog behind: the stream must then be dropped.
  virtual bool send(std::span<const std::string_view> pieces) = 0;
};

/// One stream in the fan-out. Owned by its connection; the fan-out keeps a pointer from
/// join() to leave().
struct Subscriber {
  using Clock = std::chrono::steady_clock;

  StreamSink* sink = nullptr;
  bool chunked = true;       ///< HTTP/1.1 chunked body; HTTP/1.0 streams are close-delimited
  std::uint64_t cursor = 0;  ///< the id of the last event it has been sent
  std::string channel;       ///< empty: every event
  bool presence = false;     ///< wants `event: presence` with the number of open pages
  core::PresenceSent presence_sent;  ///< the count last sent, and when
  Clock::time_point last_write{};
  std::size_t index = 0;  ///< its place in the fan-out's list, for removal in O(1)
};

class Fanout {
 public:
  using Clock = Subscriber::Clock;

  /// `presence_interval`: the least time between two presence notices to one stream.
  Fanout(core::Hub& hub, core::Metrics& metrics, core::PresenceBoard& presence,
         std::chrono::seconds heartbeat,
         std::chrono::seconds presence_interval = std::chrono::seconds(10));

  /// Adds a stream whose head and opening were just written, and sends it what was
  /// published since its cursor. False when that already failed (drop it).
  bool join(Subscriber& subscriber, Clock::time_point now);
  void leave(Subscriber& subscriber);

  /// Sends what the hub published since the last call (events, on their channels, and
  /// erasure notices, to all) to every stream; those that could not take it are appended
  /// to `dropped` (still joined: the caller closes them). Writes to at most `budget`
  /// streams a call, so that a loop turn never spends long on one fan-out while requests
  /// and accepts wait: true while the fan-out is unfinished or more was published meanwhile
  /// (call again soon; streams may join and leave in between).
  bool publish(Clock::time_point now, std::vector<Subscriber*>& dropped,
               std::size_t budget = SIZE_MAX);

  /// Heartbeats for streams quiet for a period, and presence notices whose count changed
  /// (at most one per interval per stream); failures go to `dropped`. Also trades the live
  /// count with other instances (PresenceBoard::exchange).
  void tick(Clock::time_point now, std::vector<Subscriber*>& dropped);

  /// The bytes that end a stream cleanly (the last chunk), for shutdown.
  static std::string_view ending(const Subscriber& subscriber);

  std::size_t size() const { return subscribers_.size(); }

 private:
  /// Events read from the hub together, with the chunk-size line of each.
  struct Batch {
    std::vector<core::EventPtr> events;
    std::vector<ChunkHead> heads;
    void set(std::vector<core::EventPtr> from);
  };

  /// Reads what the hub has after the fan-out's cursor into batch_; false when nothing.
  bool read_new_events();
  /// Writes the batch's events after its cursor to `s`, on its channel; false if the sink
  /// failed.
  bool deliver(Subscriber& s, const Batch& batch, Clock::time_point now);
  /// Reads what `s` lacks from the hub itself (it is behind the batch); false to drop it.
  bool catch_up(Subscriber& s, Clock::time_point now);
  void send_notices(Clock::time_point now, std::vector<Subscriber*>& dropped);
  /// Sends `s` the current count if it is due; false if the sink failed.
  bool presence_if_due(Subscriber& s, Clock::time_point now);
  /// Writes one frame that is not an event (heartbeat, notice) with the stream's framing.
  bool send_frame(Subscriber& s, std::string_view frame, const ChunkHead& head,
                  Clock::time_point now);

  core::Hub& hub_;
  core::Metrics& metrics_;
  core::PresenceBoard& presence_;
  std::chrono::seconds heartbeat_;
  std::chrono::seconds presence_interval_;
  std::uint64_t cursor_;         ///< the newest id read from the hub
  std::uint64_t previous_ = 0;   ///< cursor_ before the batch being fanned out
  bool in_pass_ = false;         ///< a batch is being written, up to next_
  std::size_t next_ = 0;         ///< the next stream of subscribers_ to look at
  bool moved_ = false;           ///< leave() moved a stream before next_ during the pass
  std::uint64_t notice_cursor_;  ///< the newest notice (erasure) sent
  std::vector<Subscriber*> subscribers_;
  Batch batch_;                           ///< the last events read, shared by every stream
  std::vector<std::string_view> pieces_;  ///< one stream's write, reused
};

}  // namespace proof::net
