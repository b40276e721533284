// Admission limits that keep one client from taking the service from the others:
// a token bucket for publishing and per-address counts of open streams.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/token_bucket.h"

namespace proof::http {

/// Allows `rate` acquisitions per second on average, in bursts of up to `burst`.
/// The clock is passed in, so the arithmetic is testable without sleeping.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// `rate` 0 turns the limit off.
  RateLimiter(double rate, double burst);

  /// Takes one token; when none is left, how long until one will be.
  std::optional<std::chrono::milliseconds> acquire(Clock::time_point now);

 private:
  core::TokenRate rate_;
  std::mutex mutex_;
  std::optional<core::TokenBucket> bucket_;  ///< full at the first acquisition
};

/// Counts open streams per client address, capped at `per_address` (0: no cap).
class AddressSlots {
 public:
  explicit AddressSlots(std::size_t per_address) : per_address_(per_address) {}

  /// Takes a slot for `address`; false when it already holds `per_address`.
  bool acquire(const std::string& address);
  void release(const std::string& address);
  std::size_t held(const std::string& address) const;

 private:
  mutable std::mutex mutex_;
  std::size_t per_address_;
  std::unordered_map<std::string, std::size_t> held_;
};

}  // namespace proof::http
