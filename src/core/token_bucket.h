// The one refill rule behind every limit proof keeps: publishing (--max-publish-rate),
// rates per client address (beacons, bad signatures, wrong API keys) and the budget of
// log lines about refusals. Pure: no lock and no clock of its own; each limiter keeps its
// buckets under its own lock and passes the time in.
#pragma once

#include <chrono>
#include <optional>

namespace proof::core {

/// How fast a bucket refills: `per_second` tokens a second, holding at most `burst`.
struct TokenRate {
  double per_second = 0;
  double burst = 1;
};

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  /// A full bucket at `now`.
  TokenBucket(const TokenRate& rate, Clock::time_point now) : tokens_(rate.burst), last_(now) {}

  /// Takes one token; when there is none, takes nothing and says how long until one is
  /// there (rounded up to the millisecond).
  std::optional<std::chrono::milliseconds> take(const TokenRate& rate, Clock::time_point now);

  /// How long until a token is there, without taking one; nullopt when there is one now.
  std::optional<std::chrono::milliseconds> wait(const TokenRate& rate, Clock::time_point now) const;

  /// Whether it has refilled to its burst by `now`: forgetting it then changes nothing.
  bool full(const TokenRate& rate, Clock::time_point now) const;

  /// When it will have refilled to its burst, if nothing more is taken.
  Clock::time_point full_at(const TokenRate& rate) const;

  /// When it was last used (for forgetting the longest quiet first).
  Clock::time_point last() const { return last_; }

 private:
  /// The tokens at `now`: never more than the burst; a `now` before the last use (another
  /// thread's slightly older reading of the clock) adds none.
  double tokens_at(const TokenRate& rate, Clock::time_point now) const;

  double tokens_;
  Clock::time_point last_;
};

}  // namespace proof::core
