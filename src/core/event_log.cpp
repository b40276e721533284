#include "core/event_log.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/sse.h"

namespace proof::core {

EventPtr make_event(std::uint64_t id, std::int64_t ts_ms, Signup signup) {
  nlohmann::json data = {
      {"id", id},
      {"kind", kind_name(signup.kind)},
      {"user_name", signup.user_name},
      {"img_path", signup.img_path},
      {"ts", ts_ms},
  };
  // Empty only for a purchase without a product name: the widget then says "just bought
  // from us". A signup's is never empty (validate() gives it the original's default).
  if (!signup.offer_name.empty()) data["offer_name"] = signup.offer_name;
  if (!signup.city.empty()) data["city"] = signup.city;
  if (!signup.url.empty()) data["url"] = signup.url;
  if (!signup.channel.empty()) data["channel"] = signup.channel;
  if (!signup.source.empty()) data["source"] = signup.source;
  auto event = std::make_shared<Event>();
  event->id = id;
  event->ts_ms = ts_ms;
  event->signup = std::move(signup);
  event->json = data.dump();
  event->frame = sse::format_event(id, "signup", event->json);
  return event;
}

std::uint64_t next_event_id(std::uint64_t last_id, std::uint64_t now_us) {
  return std::max(last_id + 1, now_us);
}

void EventLog::append(EventPtr event) {
  if (capacity_ == 0) {
    forgotten_id_ = event->id;
    return;
  }
  events_.push_back(std::move(event));
  while (events_.size() > capacity_) {
    forgotten_id_ = events_.front()->id;
    events_.pop_front();
  }
}

namespace {
template <class Events>
auto find_id(Events& events, std::uint64_t id) {
  const auto it =
      std::lower_bound(events.begin(), events.end(), id,
                       [](const EventPtr& e, std::uint64_t value) { return e->id < value; });
  return it != events.end() && (*it)->id == id ? it : events.end();
}
}  // namespace

bool EventLog::erase(std::uint64_t id) {
  const auto it = find_id(events_, id);
  if (it == events_.end()) return false;
  events_.erase(it);
  return true;
}

EventPtr EventLog::find(std::uint64_t id) const {
  const auto it = find_id(events_, id);
  return it == events_.end() ? nullptr : *it;
}

std::vector<EventPtr> EventLog::after(std::uint64_t last_id) const {
  const auto first =
      std::upper_bound(events_.begin(), events_.end(), last_id,
                       [](std::uint64_t id, const EventPtr& event) { return id < event->id; });
  return {first, events_.end()};
}

std::vector<EventPtr> EventLog::latest(std::size_t n, std::string_view channel) const {
  std::vector<EventPtr> out;
  for (auto it = events_.rbegin(); it != events_.rend() && out.size() < n; ++it) {
    if (reaches(**it, channel)) out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace proof::core
