// The fan-out: every open stream, and the one place events are written to them. A publish
// wakes the loop; the loop reads the new events from the hub once and writes the same
// pre-serialised frames to every stream with non-blocking writes. A stream that cannot keep
// up is dropped past a bounded backlog (its browser resumes with Last-Event-ID); one that
// has been quiet for a heartbeat period gets a comment, which also reveals dead peers.
// Runs on the loop thread only: no locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/hub.h"
#include "core/metrics.h"
#include "core/presence.h"

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
  bool chunked = true;         ///< HTTP/1.1 chunked body; HTTP/1.0 streams are close-delimited
  std::uint64_t cursor = 0;    ///< the id of the last event it has been sent
  std::string channel;         ///< empty: every event
  bool presence = false;       ///< wants `event: presence` with the number of open pages
  PresenceSent presence_sent;  ///< the count last sent, and when
  Clock::time_point last_write{};
  std::size_t index = 0;  ///< its place in the fan-out's list, for removal in O(1)
};

class Fanout {
 public:
  using Clock = Subscriber::Clock;

  /// `presence_interval`: the least time between two presence notices to one stream.
  Fanout(Hub& hub, Metrics& metrics, std::chrono::seconds heartbeat,
         std::chrono::seconds presence_interval = std::chrono::seconds(10));

  /// Adds a stream whose head and opening were just written, and sends it what was
  /// published since its cursor. False when that already failed (drop it).
  bool join(Subscriber& subscriber, Clock::time_point now);
  void leave(Subscriber& subscriber);

  /// Sends what the hub published since the last call (events, on their channels, and
  /// erasure notices, to all) to every stream; those that could not take it are appended
  /// to `dropped` (still joined: the caller closes them).
  void publish(Clock::time_point now, std::vector<Subscriber*>& dropped);

  /// Pages open now: on `channel`, or on the whole site when it is empty.
  std::size_t open_pages(const std::string& channel) const { return presence_.count(channel); }

  /// The open-page counts, where a backend shared by several instances adds theirs
  /// (PresenceCount::set_remote, on the loop thread).
  PresenceCount& presence() { return presence_; }

  /// Heartbeats for streams quiet for a period, and presence notices whose count changed
  /// (at most one per interval per stream); failures go to `dropped`.
  void tick(Clock::time_point now, std::vector<Subscriber*>& dropped);

  /// The bytes that end a stream cleanly (the last chunk), for shutdown.
  static std::string_view ending(const Subscriber& subscriber);

  std::size_t size() const { return subscribers_.size(); }

 private:
  void publish_events(Clock::time_point now, std::vector<Subscriber*>& dropped);
  /// Sends `s` the current count if it is due; false if the sink failed.
  bool presence_if_due(Subscriber& s, Clock::time_point now);
  /// Writes one frame that is not an event (heartbeat, notice) with the stream's framing.
  bool send_frame(Subscriber& s, std::string_view frame, std::string_view head,
                  Clock::time_point now);
  /// Writes to `s` the events in `events` after its cursor; false if the sink failed.
  bool deliver(Subscriber& s, const std::vector<EventPtr>& events, Clock::time_point now);

  Hub& hub_;
  Metrics& metrics_;
  std::chrono::seconds heartbeat_;
  std::uint64_t cursor_;         ///< the newest id read from the hub
  std::uint64_t notice_cursor_;  ///< the newest notice (erasure) sent
  std::vector<Subscriber*> subscribers_;
  std::chrono::seconds presence_interval_;
  PresenceCount presence_;  ///< open streams, per channel and in all
  // Per publish: each event's chunk-size line, shared by every chunked stream.
  std::vector<std::string> chunk_heads_;
  std::vector<std::string_view> pieces_;
};

/// "1f\r\n": the size line of a chunk of `size` bytes.
std::string chunk_head(std::size_t size);

}  // namespace proof::net
