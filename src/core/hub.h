// The broadcast point between publishers and streams. Publishing (on a worker, or the Redis
// reader) appends to the history and calls the listener, which wakes the event loop; the
// loop's fan-out reads what is new with next() and writes the same pre-serialised frame to
// every stream. Resume and replay read the same history. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/event_log.h"
#include "core/history_store.h"
#include "core/shared_log.h"

namespace proof::core {

class Hub {
 public:
  /// `history`: events kept for replay; `max_subscribers`: streams allowed at once;
  /// `store`: where events are kept across restarts (none: in memory only). With a store,
  /// the history and the id sequence are loaded from it.
  /// `shared`: a history shared with other instances (Redis); then publish() appends there
  /// and events reach this hub through ingest(), like everyone else's.
  Hub(std::size_t history, std::size_t max_subscribers, HistoryStore* store = nullptr,
      SharedLog* shared = nullptr);
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  /// Assigns the next id and the server timestamp, stores the event (throws StoreError when
  /// that fails, and then nothing is broadcast), records it and wakes all streams.
  EventPtr publish(Signup signup);

  /// An event from the shared history (in its order): recorded and broadcast like a local
  /// publish. One already held (an id not above the last) is ignored, so nothing is sent
  /// twice.
  void ingest(EventPtr event);

  /// Erasure: removes the event from the history and the store (or, with a shared history,
  /// from every instance's) and tells every open stream with an `erase` notice. False when
  /// no such event is held. Throws StoreError / SharedLogError when it cannot.
  bool erase(std::uint64_t id);

  /// The event with `id` if the history holds it, else null.
  EventPtr find(std::uint64_t id) const;

  /// The local half of erase(), for what the shared history reports.
  bool erase_local(std::uint64_t id);

  /// A message for every open stream that is not an event (an erasure), with its own
  /// sequence so the fan-out can read what it has not sent yet.
  struct Notice {
    std::uint64_t seq;
    std::string frame;
  };
  /// Notices after `seq`, oldest first (the last few hundred are kept).
  std::vector<Notice> notices_after(std::uint64_t seq) const;
  std::uint64_t notice_seq() const;

  /// The shared history, if there is one (for /healthz and /metrics).
  const SharedLog* shared() const { return shared_; }

  /// For a browser resuming: events after `last_id`, oldest first, at most `history`.
  /// With `channel`, only the events that reach a stream on it.
  std::vector<EventPtr> resume(std::uint64_t last_id, std::string_view channel = {}) const;

  /// For a live stream: events after `cursor`, oldest first. `missed` is set when some
  /// were already forgotten, i.e. the stream fell more than the live buffer behind.
  std::vector<EventPtr> next(std::uint64_t cursor, bool& missed) const;

  /// Where a new stream starts: the `n` most recent events to replay, and the id after
  /// which it continues live, taken together so no event falls between the two.
  struct Start {
    std::vector<EventPtr> replay;
    std::uint64_t cursor = 0;
  };
  Start start(std::size_t replay, std::string_view channel = {}) const;

  /// Takes a subscriber slot; false when all `max_subscribers` are taken.
  bool try_subscribe();
  void unsubscribe();
  std::size_t subscribers() const { return subscribers_.load(std::memory_order_relaxed); }

  /// Called after every publish and erasure (on the publishing thread): the event loop's
  /// wake-up. Must be quick and must not call back into the hub.
  void set_listener(std::function<void()> listener);

  std::uint64_t last_id() const;
  std::size_t max_subscribers() const { return max_subscribers_; }

 private:
  void notify();

  /// Serialises what publishers and erasures do to the store, outside mutex_: taken first.
  std::mutex publish_mutex_;
  std::uint64_t issued_id_ = 0;      ///< the newest id handed out; guarded by publish_mutex_
  mutable std::shared_mutex mutex_;  ///< guards log_ and last_id_ (readers: every stream)
  const std::size_t history_;
  EventLog log_;
  HistoryStore* store_;
  SharedLog* shared_;
  std::uint64_t last_id_ = 0;
  std::deque<Notice> notices_;  ///< guarded by mutex_
  std::uint64_t notice_seq_ = 0;
  const std::size_t max_subscribers_;
  std::atomic<std::size_t> subscribers_{0};
  std::mutex listener_mutex_;
  std::function<void()> listener_;
};

}  // namespace proof::core
