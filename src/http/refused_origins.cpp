// The origins refused lately: a small table scanned under one lock (refused_origins.h).
#include "http/refused_origins.h"

#include <algorithm>

#include "core/text.h"
#include "http/cors.h"

namespace proof::http {

std::optional<std::string> RefusedOrigins::setting_for(std::string_view origin) {
  if (origin.size() > kMaxOriginBytes) return std::nullopt;
  auto normal = OriginPolicy::normalise(origin);
  if (normal && *normal == "*") return std::nullopt;
  return normal;
}

void RefusedOrigins::record(std::string_view origin, Clock::time_point now) {
  std::string shown = core::text::printable(origin, kMaxOriginBytes);
  const std::lock_guard lock(mutex_);
  const auto same = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.origin == shown; });
  if (same != entries_.end()) {
    ++same->count;
    same->last_seen = std::max(same->last_seen, now);
    return;
  }
  Entry entry{std::move(shown), 1, now, now, setting_for(origin)};
  if (entries_.size() < kKept) {
    entries_.push_back(std::move(entry));
    return;
  }
  // The victim: the stalest of those refused once, else the stalest of all (see the header).
  const auto staler = [](const Entry& a, const Entry& b) {
    const bool a_once = a.count == 1;
    const bool b_once = b.count == 1;
    if (a_once != b_once) return a_once;
    return a.last_seen < b.last_seen;
  };
  *std::min_element(entries_.begin(), entries_.end(), staler) = std::move(entry);
}

std::vector<RefusedOrigins::Entry> RefusedOrigins::recent() const {
  std::vector<Entry> out;
  {
    const std::lock_guard lock(mutex_);
    out = entries_;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Entry& a, const Entry& b) { return a.last_seen > b.last_seen; });
  return out;
}

std::size_t RefusedOrigins::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace proof::http
