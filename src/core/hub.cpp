#include "core/hub.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "core/sse.h"

namespace proof::core {

namespace {

/// Live streams read from the same buffer as replays; it holds at least this many events so
/// that a stream briefly behind a burst of publishes still finds every event it missed.
constexpr std::size_t kLiveBuffer = 1024;

}  // namespace

Hub::Hub(std::size_t history, std::size_t max_subscribers, HistoryStore* store, SharedLog* shared)
    : history_(history),
      log_(std::max(history, kLiveBuffer)),
      store_(store),
      shared_(shared),
      max_subscribers_(max_subscribers) {
  if (!store_) return;
  for (auto& event : store_->load(history)) log_.append(std::move(event));
  last_id_ = store_->last_id();
  issued_id_ = last_id_;
}

EventPtr Hub::publish(Signup signup) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto now_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now).count());
  if (shared_) {
    // The id comes from the shared sequence; the event comes back through ingest() in the
    // shared order, to this instance as to every other.
    const auto ts_ms = static_cast<std::int64_t>(now_us / 1000);
    const std::uint64_t id = shared_->append(signup, ts_ms, now_us);
    return make_event(id, ts_ms, std::move(signup));
  }
  EventPtr event;
  {
    // Publishers take turns here, so ids and the log's order agree; the disk write happens
    // outside mutex_, so a stalled disk holds up other publishers, never a stream's reads.
    std::lock_guard turn(publish_mutex_);
    const std::uint64_t id = next_event_id(issued_id_, now_us);
    event = make_event(id, static_cast<std::int64_t>(now_us / 1000), std::move(signup));
    if (store_) store_->append(*event);  // before anyone can see it: acknowledged means kept
    issued_id_ = id;
    std::unique_lock lock(mutex_);
    last_id_ = id;
    log_.append(event);
  }
  notify();
  return event;
}

namespace {
/// Notices kept for streams that have not been written to yet (the fan-out reads them at
/// once; a stream joining later has no use for old ones).
constexpr std::size_t kNoticesKept = 256;
}  // namespace

bool Hub::erase(std::uint64_t id) {
  if (shared_) {
    {
      std::shared_lock lock(mutex_);
      if (!log_.find(id)) return false;
    }
    shared_->erase(id);  // every instance's reader, this one's too, calls erase_local
    return true;
  }
  return erase_local(id);
}

bool Hub::erase_local(std::uint64_t id) {
  {
    // As in publish(): the store's write is made outside mutex_, and first, so a failure
    // (StoreError) leaves the history as it was.
    std::lock_guard turn(publish_mutex_);
    {
      std::shared_lock lock(mutex_);
      if (!log_.find(id)) return false;
    }
    if (store_) store_->erase(id);
    std::unique_lock lock(mutex_);
    log_.erase(id);
    notices_.push_back(
        {++notice_seq_, sse::format_notice("erase", "{\"id\":" + std::to_string(id) + "}")});
    while (notices_.size() > kNoticesKept) notices_.pop_front();
  }
  notify();
  return true;
}

EventPtr Hub::find(std::uint64_t id) const {
  std::shared_lock lock(mutex_);
  return log_.find(id);
}

std::vector<Hub::Notice> Hub::notices_after(std::uint64_t seq) const {
  std::shared_lock lock(mutex_);
  std::vector<Notice> out;
  for (const auto& notice : notices_) {
    if (notice.seq > seq) out.push_back(notice);
  }
  return out;
}

std::uint64_t Hub::notice_seq() const {
  std::shared_lock lock(mutex_);
  return notice_seq_;
}

void Hub::ingest(EventPtr event) {
  {
    std::lock_guard turn(publish_mutex_);
    std::unique_lock lock(mutex_);
    if (event->id <= last_id_) return;
    last_id_ = event->id;
    issued_id_ = last_id_;
    log_.append(std::move(event));
  }
  notify();
}

std::vector<EventPtr> Hub::resume(std::uint64_t last_id, std::string_view channel) const {
  std::shared_lock lock(mutex_);
  auto events = log_.after(last_id);
  std::erase_if(events, [channel](const EventPtr& e) { return !reaches(*e, channel); });
  if (events.size() > history_) {
    events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(history_));
  }
  return events;
}

std::vector<EventPtr> Hub::next(std::uint64_t cursor, bool& missed) const {
  std::shared_lock lock(mutex_);
  missed = log_.missed(cursor);
  return log_.after(cursor);
}

Hub::Start Hub::start(std::size_t replay, std::string_view channel) const {
  std::shared_lock lock(mutex_);
  return {log_.latest(std::min(replay, history_), channel), last_id_};
}

std::uint64_t Hub::last_id() const {
  std::shared_lock lock(mutex_);
  return last_id_;
}

void Hub::notify() {
  std::lock_guard lock(listener_mutex_);
  if (listener_) listener_();
}

void Hub::set_listener(std::function<void()> listener) {
  std::lock_guard lock(listener_mutex_);
  listener_ = std::move(listener);
}

bool Hub::try_subscribe() {
  std::size_t current = subscribers_.load(std::memory_order_relaxed);
  do {
    if (current >= max_subscribers_) return false;
  } while (!subscribers_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel));
  return true;
}

void Hub::unsubscribe() {
  subscribers_.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace proof::core
