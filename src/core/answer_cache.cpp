#include "core/answer_cache.h"

namespace proof::core {

std::optional<std::string> AnswerCache::find(const std::string& key, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || now >= it->second.until) return std::nullopt;
  return it->second.answer;
}

void AnswerCache::keep(const std::string& key, std::string answer, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_ && !entries_.contains(key)) {
    std::erase_if(entries_, [now](const auto& kv) { return now >= kv.second.until; });
    if (entries_.size() >= capacity_) return;
  }
  entries_[key] = Entry{std::move(answer), now + ttl_};
}

std::size_t AnswerCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace proof::core
