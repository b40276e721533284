#include "http/address_rate.h"

#include <algorithm>
#include <cmath>

namespace proof {

AddressRateLimiter::AddressRateLimiter(double rate, double burst, std::size_t max_addresses)
    : rate_(rate),
      burst_(std::max(1.0, burst)),
      max_addresses_(std::max<std::size_t>(1, max_addresses)) {}

std::optional<std::chrono::milliseconds> AddressRateLimiter::acquire(const std::string& address,
                                                                     Clock::time_point now) {
  if (rate_ <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_) make_room(now);
    it = buckets_.emplace(address, Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  const std::chrono::duration<double> elapsed = now - bucket.last;
  bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, elapsed.count()) * rate_);
  bucket.last = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait_seconds = (1.0 - bucket.tokens) / rate_;
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(wait_seconds * 1000.0)));
}

std::optional<std::chrono::milliseconds> AddressRateLimiter::spent(const std::string& address,
                                                                   Clock::time_point now) const {
  if (rate_ <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(address);
  if (it == buckets_.end()) return std::nullopt;
  const std::chrono::duration<double> elapsed = now - it->second.last;
  const double tokens =
      std::min(burst_, it->second.tokens + std::max(0.0, elapsed.count()) * rate_);
  if (tokens >= 1.0) return std::nullopt;
  return std::chrono::milliseconds(
      static_cast<long long>(std::ceil((1.0 - tokens) / rate_ * 1000.0)));
}

void AddressRateLimiter::make_room(Clock::time_point now) {
  // A full scan, but only when the table is full, and it usually frees many entries at once.
  std::erase_if(buckets_, [&](const auto& entry) {
    const std::chrono::duration<double> quiet = now - entry.second.last;
    return entry.second.tokens + quiet.count() * rate_ >= burst_;
  });
  if (buckets_.size() < max_addresses_) return;
  const auto oldest =
      std::min_element(buckets_.begin(), buckets_.end(),
                       [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
  buckets_.erase(oldest);
}

std::size_t AddressRateLimiter::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace proof
