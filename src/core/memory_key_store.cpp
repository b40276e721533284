#include "core/memory_key_store.h"

namespace proof::core {

bool MemoryKeyStore::live(const std::string& key, Clock::time_point now) {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (it->second.expiry->first > now) return true;
  erase(key);
  return false;
}

void MemoryKeyStore::erase(const std::string& key) {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return;
  expiry_.erase(it->second.expiry);
  entries_.erase(it);
}

void MemoryKeyStore::set(const std::string& key, std::string_view value, Clock::time_point until) {
  erase(key);
  const auto expiry = expiry_.emplace(until, key);
  entries_.emplace(key, Entry{std::string(value), expiry});
}

void MemoryKeyStore::make_room(Clock::time_point now, std::size_t incoming) {
  while (!expiry_.empty() && expiry_.begin()->first <= now) erase(expiry_.begin()->second);
  while (!entries_.empty() && entries_.size() + incoming > max_keys_) {
    erase(expiry_.begin()->second);
    ++evicted_;
  }
}

std::optional<std::string> MemoryKeyStore::claim(std::span<const std::string> keys,
                                                 std::string_view value, std::chrono::seconds ttl,
                                                 Clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (const auto& key : keys) {
    if (live(key, now)) return entries_.at(key).value;
  }
  make_room(now, keys.size());
  for (const auto& key : keys) set(key, value, now + ttl);
  return std::nullopt;
}

void MemoryKeyStore::put(std::span<const std::string> keys, std::string_view value,
                         std::chrono::seconds ttl, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  make_room(now, keys.size());
  for (const auto& key : keys) set(key, value, now + ttl);
}

std::optional<std::string> MemoryKeyStore::get(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!live(key, now)) return std::nullopt;
  return entries_.at(key).value;
}

void MemoryKeyStore::forget(std::span<const std::string> keys) {
  std::lock_guard lock(mutex_);
  for (const auto& key : keys) erase(key);
}

std::size_t MemoryKeyStore::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

std::size_t MemoryKeyStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace proof::core
