#include "net/fanout.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/sse.h"

namespace proof::net {

Fanout::Fanout(core::Hub& hub, core::Metrics& metrics, core::PresenceBoard& presence,
               std::chrono::seconds heartbeat, std::chrono::seconds presence_interval)
    : hub_(hub),
      metrics_(metrics),
      presence_(presence),
      heartbeat_(heartbeat),
      presence_interval_(presence_interval),
      cursor_(hub.last_id()),
      notice_cursor_(hub.notice_seq()) {}

void Fanout::Batch::set(std::vector<core::EventPtr> from) {
  events = std::move(from);
  heads.clear();
  heads.reserve(events.size());
  for (const auto& event : events) heads.emplace_back(event->frame.size());
}

bool Fanout::join(Subscriber& s, Clock::time_point now) {
  s.index = subscribers_.size();
  subscribers_.push_back(&s);
  presence_.open(s.channel);
  s.last_write = now;
  // The count goes out when the stream opens (nothing sent yet), whatever the interval;
  // then what was published between the handshake (on a worker) and now.
  return presence_if_due(s, now) && catch_up(s, now);
}

void Fanout::leave(Subscriber& s) {
  if (s.index >= subscribers_.size() || subscribers_[s.index] != &s) return;
  if (in_pass_ && s.index < next_) moved_ = true;
  Subscriber* last = subscribers_.back();
  subscribers_[s.index] = last;
  last->index = s.index;
  subscribers_.pop_back();
  presence_.close(s.channel);
}

bool Fanout::catch_up(Subscriber& s, Clock::time_point now) {
  bool missed = false;
  Batch own;
  own.set(hub_.next(s.cursor, missed));
  if (missed) {
    spdlog::warn("dropped a stream that fell more than the live buffer behind");
    return false;
  }
  return deliver(s, own, now);
}

bool Fanout::deliver(Subscriber& s, const Batch& batch, Clock::time_point now) {
  pieces_.clear();
  std::size_t count = 0;
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    const core::Event& e = *batch.events[i];
    if (e.id <= s.cursor || !core::reaches(e, s.channel)) continue;
    frame(pieces_, s.chunked, batch.heads[i], e.frame);
    ++count;
  }
  // Past what it skipped too (other channels): those must not come round again.
  if (!batch.events.empty()) s.cursor = std::max(s.cursor, batch.events.back()->id);
  if (count == 0) return true;  // nothing on its channel: it stays quiet (heartbeats go on)
  s.last_write = now;
  if (!s.sink->send(pieces_)) return false;
  metrics_.delivered(count);
  return true;
}

bool Fanout::read_new_events() {
  bool missed = false;
  auto events = hub_.next(cursor_, missed);
  if (events.empty()) return false;
  if (missed) spdlog::warn("the fan-out fell more than the live buffer behind");
  batch_.set(std::move(events));
  return true;
}

bool Fanout::publish(Clock::time_point now, std::vector<Subscriber*>& dropped, std::size_t budget) {
  if (!in_pass_) {
    previous_ = cursor_;
    if (!read_new_events()) {
      send_notices(now, dropped);
      return false;
    }
    cursor_ = batch_.events.back()->id;
    in_pass_ = true;
    next_ = 0;
    moved_ = false;
  }
  while (next_ < subscribers_.size()) {
    Subscriber* s = subscribers_[next_];
    if (s->cursor >= cursor_) {
      ++next_;
      continue;
    }
    if (budget == 0) return true;
    --budget;
    ++next_;
    // Streams are at the previous batch's end, or past it when they joined after it. One
    // behind it missed events (the fan-out fell behind the live buffer): the hub says so,
    // and the stream is dropped to resume rather than skip them.
    const bool ok = s->cursor < previous_ ? catch_up(*s, now) : deliver(*s, batch_, now);
    if (!ok) dropped.push_back(s);
  }
  if (moved_) {
    // A stream that left was replaced by one not yet written to: look once more.
    moved_ = false;
    next_ = 0;
    return true;
  }
  in_pass_ = false;
  send_notices(now, dropped);
  // What was published during the pass: its wake-up may already have been spent on the
  // pass itself, so say there is more rather than wait for the next publish.
  return hub_.last_id() > cursor_;
}

void Fanout::send_notices(Clock::time_point now, std::vector<Subscriber*>& dropped) {
  // Erasures go to every stream, whatever its channel: a page drops the card if it has it.
  for (const auto& notice : hub_.notices_after(notice_cursor_)) {
    notice_cursor_ = notice.seq;
    const ChunkHead head(notice.frame.size());
    for (Subscriber* s : subscribers_) {
      if (std::find(dropped.begin(), dropped.end(), s) != dropped.end()) continue;
      if (!send_frame(*s, notice.frame, head, now)) dropped.push_back(s);
    }
  }
}

bool Fanout::send_frame(Subscriber& s, std::string_view frame_bytes, const ChunkHead& head,
                        Clock::time_point now) {
  s.last_write = now;
  pieces_.clear();
  frame(pieces_, s.chunked, head, frame_bytes);
  return s.sink->send(pieces_);
}

bool Fanout::presence_if_due(Subscriber& s, Clock::time_point now) {
  if (!s.presence) return true;
  const auto count =
      core::presence_due(s.presence_sent, presence_.count(s.channel), now, presence_interval_);
  if (!count) return true;
  const std::string notice = core::presence_frame(*count);
  return send_frame(s, notice, ChunkHead(notice.size()), now);
}

void Fanout::tick(Clock::time_point now, std::vector<Subscriber*>& dropped) {
  presence_.exchange();
  const std::string_view beat = core::sse::heartbeat();
  const ChunkHead head(beat.size());
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
