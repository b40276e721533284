// admission.h: the publish rate limit and the per-address stream cap.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "http/admission.h"

using namespace std::chrono_literals;
using proof::http::AddressSlots;
using proof::http::RateLimiter;

TEST_CASE("Admission: a burst is allowed at once, then the next must wait", "[admission][rate]") {
  RateLimiter limiter(10, 5);  // 10/s, bursts of 5
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) {
    INFO("request " << i);
    CHECK_FALSE(limiter.acquire(t0).has_value());
  }
  const auto wait = limiter.acquire(t0);
  REQUIRE(wait.has_value());
  CHECK(*wait == 100ms);  // one token comes back every 1/10 s
}

TEST_CASE("Admission: tokens come back with time, up to the burst", "[admission][rate]") {
  RateLimiter limiter(10, 5);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) REQUIRE_FALSE(limiter.acquire(t0).has_value());
  REQUIRE(limiter.acquire(t0).has_value());
  // After 100 ms one more is allowed, but not two.
  CHECK_FALSE(limiter.acquire(t0 + 100ms).has_value());
  CHECK(limiter.acquire(t0 + 100ms).has_value());
  // A long quiet spell refills only to the burst, not beyond.
  const auto later = t0 + 1h;
  for (int i = 0; i < 5; ++i) CHECK_FALSE(limiter.acquire(later).has_value());
  CHECK(limiter.acquire(later).has_value());
}

TEST_CASE("Admission: the wait shrinks as time passes", "[admission][rate]") {
  RateLimiter limiter(2, 1);  // one every 500 ms
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  REQUIRE_FALSE(limiter.acquire(t0).has_value());
  const auto first = limiter.acquire(t0);
  const auto second = limiter.acquire(t0 + 300ms);
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(*first == 500ms);
  CHECK(*second == 200ms);
  CHECK_FALSE(limiter.acquire(t0 + 500ms).has_value());
}

TEST_CASE("Admission: rate 0 turns the limit off", "[admission][rate]") {
  RateLimiter limiter(0, 0);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 10000; ++i) REQUIRE_FALSE(limiter.acquire(t0).has_value());
}

TEST_CASE("Admission: a burst below 1 still lets one request through", "[admission][rate]") {
  RateLimiter limiter(1, 0);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  CHECK_FALSE(limiter.acquire(t0).has_value());
  CHECK(limiter.acquire(t0).has_value());
}

TEST_CASE("Admission: a clock that steps back grants no extra tokens", "[admission][rate]") {
  RateLimiter limiter(10, 1);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  REQUIRE_FALSE(limiter.acquire(t0).has_value());
  CHECK(limiter.acquire(t0 - 10s).has_value());
}

TEST_CASE("Admission: each address holds at most per_address streams", "[admission][slots]") {
  AddressSlots slots(2);
  CHECK(slots.acquire("203.0.113.7"));
  CHECK(slots.acquire("203.0.113.7"));
  CHECK_FALSE(slots.acquire("203.0.113.7"));
  CHECK(slots.held("203.0.113.7") == 2);
  // Other addresses are not affected.
  CHECK(slots.acquire("198.51.100.1"));
  CHECK(slots.held("198.51.100.1") == 1);
  // Releasing one frees a slot for the same address.
  slots.release("203.0.113.7");
  CHECK(slots.held("203.0.113.7") == 1);
  CHECK(slots.acquire("203.0.113.7"));
  CHECK_FALSE(slots.acquire("203.0.113.7"));
}

TEST_CASE("Admission: releasing everything leaves nothing held, extra releases are harmless",
          "[admission][slots]") {
  AddressSlots slots(1);
  REQUIRE(slots.acquire("a"));
  slots.release("a");
  slots.release("a");
  slots.release("never-seen");
  CHECK(slots.held("a") == 0);
  CHECK(slots.acquire("a"));        // the extra release did not create a spare slot...
  CHECK_FALSE(slots.acquire("a"));  // ...so the cap still holds
}

TEST_CASE("Admission: per_address 0 means no cap", "[admission][slots]") {
  AddressSlots slots(0);
  for (int i = 0; i < 1000; ++i) REQUIRE(slots.acquire("a"));
  CHECK(slots.held("a") == 1000);
}
