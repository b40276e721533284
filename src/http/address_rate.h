// A request rate per client address (POST /beacon: 5 a second; bad signatures and wrong API
// keys, charged only when they fail), in bounded memory: one address cannot inflate the
// counts or guess on, and a crowd of addresses cannot grow the table without limit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/token_bucket.h"

namespace proof::http {

class AddressRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// `rate` requests a second per address, in bursts of up to `burst`; at most
  /// `max_addresses` addresses are tracked at once. `rate` 0 turns the limit off.
  AddressRateLimiter(double rate, double burst, std::size_t max_addresses);

  /// Takes one request for `address`; when its allowance is spent, how long until it may
  /// send again.
  std::optional<std::chrono::milliseconds> acquire(const std::string& address,
                                                   Clock::time_point now);

  /// Whether `address` has spent its allowance, without taking from it: how long until it
  /// may again, or nullopt. (For a limit charged only for what fails, such as a bad
  /// signature or a wrong key, but checked before every attempt.) While no address has
  /// taken anything that has not refilled yet, it answers without a lookup or a lock.
  std::optional<std::chrono::milliseconds> spent(const std::string& address,
                                                 Clock::time_point now) const;

  /// Addresses tracked now (for tests of the bound).
  std::size_t tracked() const;

 private:
  /// Makes room for one more address: first forgets those whose allowance is whole again
  /// (forgetting them changes nothing), then, if every one is busy, the longest quiet.
  void make_room(Clock::time_point now);

  core::TokenRate rate_;
  std::size_t max_addresses_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, core::TokenBucket> buckets_;
  /// By when every bucket will be full again (steady clock, ns since its epoch).
  std::atomic<Clock::rep> all_full_at_{0};
};

}  // namespace proof::http
