#include "http/address_rate.h"

#include <algorithm>

namespace proof::http {

AddressRateLimiter::AddressRateLimiter(double rate, double burst, std::size_t max_addresses)
    : rate_{rate, std::max(1.0, burst)}, max_addresses_(std::max<std::size_t>(1, max_addresses)) {}

std::optional<std::chrono::milliseconds> AddressRateLimiter::acquire(const std::string& address,
                                                                     Clock::time_point now) {
  if (rate_.per_second <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_) make_room(now);
    it = buckets_.emplace(address, core::TokenBucket(rate_, now)).first;
  }
  auto wait = it->second.take(rate_, now);
  const Clock::rep full_at = it->second.full_at(rate_).time_since_epoch().count();
  if (full_at > all_full_at_.load(std::memory_order_relaxed)) {
    all_full_at_.store(full_at, std::memory_order_relaxed);
  }
  return wait;
}

std::optional<std::chrono::milliseconds> AddressRateLimiter::spent(const std::string& address,
                                                                   Clock::time_point now) const {
  if (rate_.per_second <= 0) return std::nullopt;
  if (now.time_since_epoch().count() >= all_full_at_.load(std::memory_order_relaxed)) {
    return std::nullopt;
  }
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(address);
  if (it == buckets_.end()) return std::nullopt;
  return it->second.wait(rate_, now);
}

void AddressRateLimiter::make_room(Clock::time_point now) {
  // A full scan, but only when the table is full, and it usually frees many entries at once.
  std::erase_if(buckets_, [&](const auto& entry) { return entry.second.full(rate_, now); });
  if (buckets_.size() < max_addresses_) return;
  const auto oldest = std::min_element(
      buckets_.begin(), buckets_.end(),
      [](const auto& a, const auto& b) { return a.second.last() < b.second.last(); });
  buckets_.erase(oldest);
}

std::size_t AddressRateLimiter::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace proof::http
