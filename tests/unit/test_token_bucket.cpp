// token_bucket.h: the one refill rule of every limit (publishing, per-address rates, log
// lines), on a clock passed in.
#include <catch2/catch.hpp>
#include <chrono>

#include "core/token_bucket.h"

using namespace std::chrono_literals;
using proof::core::TokenBucket;
using proof::core::TokenRate;

namespace {
const auto kBucketStart = TokenBucket::Clock::time_point{} + 1h;
}

TEST_CASE("Token bucket: a burst at once, then the rate", "[token_bucket]") {
  const TokenRate rate{2, 3};  // two a second, three at once
  TokenBucket bucket(rate, kBucketStart);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(bucket.take(rate, kBucketStart).has_value());
  const auto wait = bucket.take(rate, kBucketStart);
  REQUIRE(wait.has_value());
  CHECK(*wait == 500ms);
  CHECK(bucket.wait(rate, kBucketStart + 499ms).has_value());
  CHECK_FALSE(bucket.take(rate, kBucketStart + 500ms).has_value());
  // Never more than the burst, however long it was quiet.
  for (int i = 0; i < 3; ++i) CHECK_FALSE(bucket.take(rate, kBucketStart + 1h).has_value());
  CHECK(bucket.take(rate, kBucketStart + 1h).has_value());
}

TEST_CASE("Token bucket: it knows when it is full again", "[token_bucket]") {
  const TokenRate rate{1, 4};
  TokenBucket bucket(rate, kBucketStart);
  CHECK(bucket.full(rate, kBucketStart));
  bucket.take(rate, kBucketStart);
  bucket.take(rate, kBucketStart);
  CHECK_FALSE(bucket.full(rate, kBucketStart + 1s));
  CHECK(bucket.full_at(rate) == kBucketStart + 2s);
  CHECK(bucket.full(rate, kBucketStart + 2s));
}

TEST_CASE("Token bucket: an older reading of the clock adds nothing and moves nothing back",
          "[token_bucket]") {
  const TokenRate rate{1, 1};
  TokenBucket bucket(rate, kBucketStart);
  CHECK_FALSE(bucket.take(rate, kBucketStart + 10s).has_value());
  // Another thread's reading, taken a moment before: no refill, and no credit for the gap.
  CHECK(bucket.take(rate, kBucketStart + 9s).has_value());
  CHECK(bucket.last() == kBucketStart + 10s);
  CHECK_FALSE(bucket.take(rate, kBucketStart + 11s).has_value());
}
