// The bounded history of published events: what a reconnecting browser replays from.
// Not thread-safe by itself; the Hub owns the locking.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/signup.h"

namespace proof::core {

/// A published signup with its serialised forms, built once and shared by every stream.
struct Event {
  std::uint64_t id = 0;
  std::int64_t ts_ms = 0;  ///< server time of acceptance, ms since the Unix epoch
  Signup signup;
  std::string json;   ///< the `data:` payload
  std::string frame;  ///< the complete SSE block
};

using EventPtr = std::shared_ptr<const Event>;

/// True when a stream on `stream_channel` (empty: a stream for every channel) carries
/// `event`: events without a channel reach every stream.
inline bool reaches(const Event& event, std::string_view stream_channel) {
  return stream_channel.empty() || event.signup.channel.empty() ||
         event.signup.channel == stream_channel;
}

/// Builds an event with its JSON and SSE frame. The JSON always says its `kind`; the SSE
/// event is named `signup` for every kind, since widgets from before kinds listen to that
/// name alone.
EventPtr make_event(std::uint64_t id, std::int64_t ts_ms, Signup signup);

/// The id for the next event. Ids follow the wall clock in microseconds, so a restarted
/// server (which remembers nothing) still never reuses an id a browser has already seen;
/// +1 keeps them strictly increasing within a microsecond or if the clock steps back.
std::uint64_t next_event_id(std::uint64_t last_id, std::uint64_t now_us);

class EventLog {
 public:
  explicit EventLog(std::size_t capacity) : capacity_(capacity) {}

  /// Appends `event` (its id must exceed every id held) and forgets the oldest past capacity.
  void append(EventPtr event);

  /// Forgets the event with `id`; false when none is held.
  bool erase(std::uint64_t id);

  /// The event with `id`, or null when it is not held.
  EventPtr find(std::uint64_t id) const;

  /// Events with id > `last_id`, oldest first. An id older than the history yields all of it.
  std::vector<EventPtr> after(std::uint64_t last_id) const;

  /// The `n` most recent events that reach a stream on `channel`, oldest first.
  std::vector<EventPtr> latest(std::size_t n, std::string_view channel = {}) const;

  /// True when events after `last_id` were already forgotten: a reader at `last_id` has
  /// missed some, and what after() returns has a hole at its start.
  bool missed(std::uint64_t last_id) const { return last_id < forgotten_id_; }

  /// Id of the newest event, or 0 when empty.
  std::uint64_t last_id() const { return events_.empty() ? 0 : events_.back()->id; }

  std::size_t size() const { return events_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::deque<EventPtr> events_;
  std::uint64_t forgotten_id_ = 0;  ///< id of the newest event dropped past capacity
};

}  // namespace proof::core
