#include "core/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace proof::core {

namespace {

std::chrono::milliseconds until_one(double tokens, const TokenRate& rate) {
  const double seconds = (1.0 - tokens) / rate.per_second;
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000.0)));
}

}  // namespace

double TokenBucket::tokens_at(const TokenRate& rate, Clock::time_point now) const {
  const std::chrono::duration<double> elapsed = now - last_;
  return std::min(rate.burst, tokens_ + std::max(0.0, elapsed.count()) * rate.per_second);
}

std::optional<std::chrono::milliseconds> TokenBucket::take(const TokenRate& rate,
                                                           Clock::time_point now) {
  tokens_ = tokens_at(rate, now);
  last_ = std::max(last_, now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::nullopt;
  }
  return until_one(tokens_, rate);
}

std::optional<std::chrono::milliseconds> TokenBucket::wait(const TokenRate& rate,
                                                           Clock::time_point now) const {
  const double tokens = tokens_at(rate, now);
  if (tokens >= 1.0) return std::nullopt;
  return until_one(tokens, rate);
}

TokenBucket::Clock::time_point TokenBucket::full_at(const TokenRate& rate) const {
  const double seconds = std::max(0.0, rate.burst - tokens_) / rate.per_second;
  return last_ + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(std::ceil(seconds * 1000.0) / 1000.0));
}

bool TokenBucket::full(const TokenRate& rate, Clock::time_point now) const {
  return tokens_at(rate, now) >= rate.burst;
}

}  // namespace proof::core
