#include "http/admission.h"

#include <algorithm>
#include <cmath>

namespace proof {

RateLimiter::RateLimiter(double rate, double burst)
    : rate_(rate), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)) {}

std::optional<std::chrono::milliseconds> RateLimiter::acquire(Clock::time_point now) {
  if (rate_ <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (last_) {
    const std::chrono::duration<double> elapsed = now - *last_;
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed.count()) * rate_);
  }
  last_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::nullopt;
  }
  const double wait_seconds = (1.0 - tokens_) / rate_;
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(wait_seconds * 1000.0)));
}

bool AddressSlots::acquire(const std::string& address) {
  std::lock_guard lock(mutex_);
  std::size_t& held = held_[address];
  if (per_address_ != 0 && held >= per_address_) {
    if (held == 0) held_.erase(address);
    return false;
  }
  ++held;
  return true;
}

void AddressSlots::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto it = held_.find(address);
  if (it == held_.end()) return;
  if (--it->second == 0) held_.erase(it);  // the map stays as small as the set of clients
}

std::size_t AddressSlots::held(const std::string& address) const {
  std::lock_guard lock(mutex_);
  const auto it = held_.find(address);
  return it == held_.end() ? 0 : it->second;
}

}  // namespace proof
