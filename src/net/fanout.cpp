#include "net/fanout.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "core/sse.h"

namespace proof::net {

namespace {
constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
}  // namespace

std::string chunk_head(std::size_t size) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%zx\r\n", size);
  return std::string(buf, static_cast<std::size_t>(n));
}

Fanout::Fanout(Hub& hub, Metrics& metrics, std::chrono::seconds heartbeat,
               std::chrono::seconds presence_interval)
    : hub_(hub),
      metrics_(metrics),
      heartbeat_(heartbeat),
      cursor_(hub.last_id()),
      notice_cursor_(hub.notice_seq()),
      presence_interval_(presence_interval) {}

bool Fanout::presence_if_due(Subscriber& s, Clock::time_point now) {
  if (!s.presence) return true;
  const auto count =
      presence_due(s.presence_sent, presence_.count(s.channel), now, presence_interval_);
  if (!count) return true;
  const std::string frame = presence_frame(*count);
  return send_frame(s, frame, chunk_head(frame.size()), now);
}

bool Fanout::join(Subscriber& s, Clock::time_point now) {
  s.index = subscribers_.size();
  subscribers_.push_back(&s);
  presence_.open(s.channel);
  s.last_write = now;
  // The count goes out when the stream opens (nothing sent yet), whatever the interval.
  if (!presence_if_due(s, now)) return false;
  // What was published between the handshake (on a worker) and now.
  bool missed = false;
  const auto events = hub_.next(s.cursor, missed);
  if (missed) {
    spdlog::warn("dropped a stream that fell more than the live buffer behind");
    return false;
  }
  return events.empty() || deliver(s, events, now);
}

void Fanout::leave(Subscriber& s) {
  if (s.index >= subscribers_.size() || subscribers_[s.index] != &s) return;
  Subscriber* last = subscribers_.back();
  subscribers_[s.index] = last;
  last->index = s.index;
  subscribers_.pop_back();
  presence_.close(s.channel);
}

bool Fanout::deliver(Subscriber& s, const std::vector<EventPtr>& events, Clock::time_point now) {
  std::vector<std::string> heads;
  heads.reserve(events.size());  // no reallocation: pieces_ points into it
  pieces_.clear();
  std::size_t count = 0;
  for (const auto& event : events) {
    if (event->id <= s.cursor || !reaches(*event, s.channel)) continue;
    if (s.chunked) pieces_.push_back(heads.emplace_back(chunk_head(event->frame.size())));
    pieces_.push_back(event->frame);
    if (s.chunked) pieces_.push_back(kCrlf);
    ++count;
  }
  // Past what it skipped too (other channels): those must not come round again.
  if (!events.empty()) s.cursor = std::max(s.cursor, events.back()->id);
  if (count == 0) return true;
  s.last_write = now;
  if (!s.sink->send(pieces_)) return false;
  metrics_.delivered(count);
  return true;
}

void Fanout::publish(Clock::time_point now, std::vector<Subscriber*>& dropped) {
  publish_events(now, dropped);
  // Erasures go to every stream, whatever its channel: a page drops the card if it has it.
  for (const auto& notice : hub_.notices_after(notice_cursor_)) {
    notice_cursor_ = notice.seq;
    const std::string head = chunk_head(notice.frame.size());
    for (Subscriber* s : subscribers_) {
      if (std::find(dropped.begin(), dropped.end(), s) != dropped.end()) continue;
      if (!send_frame(*s, notice.frame, head, now)) dropped.push_back(s);
    }
  }
}

bool Fanout::send_frame(Subscriber& s, std::string_view frame, std::string_view head,
                        Clock::time_point now) {
  s.last_write = now;
  const std::string_view chunked[] = {head, frame, kCrlf};
  const std::string_view plain[] = {frame};
  return s.chunked ? s.sink->send(chunked) : s.sink->send(plain);
}

void Fanout::publish_events(Clock::time_point now, std::vector<Subscriber*>& dropped) {
  bool missed = false;
  const auto events = hub_.next(cursor_, missed);
  if (events.empty()) return;
  if (missed) spdlog::warn("the fan-out fell more than the live buffer behind");
  const std::uint64_t previous = cursor_;
  cursor_ = events.back()->id;

  chunk_heads_.clear();
  for (const auto& event : events) chunk_heads_.push_back(chunk_head(event->frame.size()));

  for (Subscriber* s : subscribers_) {
    if (s->cursor >= cursor_) continue;
    // Streams are at the previous batch's end, or past it when they joined after it. One
    // behind it missed events (the fan-out fell behind the live buffer): the hub says so,
    // and the stream is dropped to resume rather than skip them.
    if (s->cursor < previous) {
      bool behind = false;
      const auto own = hub_.next(s->cursor, behind);
      if (behind || !deliver(*s, own, now)) dropped.push_back(s);
      continue;
    }
    pieces_.clear();
    std::size_t count = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& e = *events[i];
      if (e.id <= s->cursor || !reaches(e, s->channel)) continue;
      if (s->chunked) pieces_.push_back(chunk_heads_[i]);
      pieces_.push_back(e.frame);
      if (s->chunked) pieces_.push_back(kCrlf);
      ++count;
    }
    s->cursor = cursor_;
    if (count == 0) continue;  // nothing on its channel: it stays quiet (heartbeats go on)
    s->last_write = now;
    if (!s->sink->send(pieces_)) {
      dropped.push_back(s);
      continue;
    }
    metrics_.delivered(count);
  }
}

void Fanout::tick(Clock::time_point now, std::vector<Subscriber*>& dropped) {
  const std::string_view beat = sse::heartbeat();
  const std::string head = chunk_head(beat.size());
  for (Subscriber* s : subscribers_) {
    if (!presence_if_due(*s, now)) {
      dropped.push_back(s);
      continue;
    }
    if (now - s->last_write < heartbeat_) continue;
    if (!send_frame(*s, beat, head, now)) dropped.push_back(s);
  }
}

std::string_view Fanout::ending(const Subscriber& subscriber) {
  return subscriber.chunked ? kLastChunk : std::string_view{};
}

}  // namespace proof::net
