// A request rate per client address (POST /beacon: 5 a second), in bounded memory: a page
// may report each card it shows, but one address cannot inflate the counts, and a crowd of
// addresses cannot grow the table without limit.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace proof {

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
  /// signature, but checked before every attempt.)
  std::optional<std::chrono::milliseconds> spent(const std::string& address,
                                                 Clock::time_point now) const;

  /// Addresses tracked now (for tests of the bound).
  std::size_t tracked() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  /// Makes room for one more address: first forgets those whose allowance is whole again
  /// (forgetting them changes nothing), then, if every one is busy, the longest quiet.
  void make_room(Clock::time_point now);

  mutable std::mutex mutex_;
  double rate_;
  double burst_;
  std::size_t max_addresses_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace proof
