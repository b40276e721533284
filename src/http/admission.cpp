#include "http/admission.h"

#include <algorithm>

namespace proof::http {

RateLimiter::RateLimiter(double rate, double burst) : rate_{rate, std::max(1.0, burst)} {}

std::optional<std::chrono::milliseconds> RateLimiter::acquire(Clock::time_point now) {
  if (rate_.per_second <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (!bucket_) bucket_.emplace(rate_, now);
  return bucket_->take(rate_, now);
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

}  // namespace proof::http
