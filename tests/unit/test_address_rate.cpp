// address_rate.h: the per-address beacon rate, and the bound on the addresses it remembers.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "http/address_rate.h"

using namespace std::chrono_literals;
using proof::http::AddressRateLimiter;

namespace {
const auto kLimiterStart = AddressRateLimiter::Clock::time_point{} + 1h;
}

TEST_CASE("Address rate: five a second per address, the sixth waits", "[address_rate]") {
  AddressRateLimiter limiter(5, 5, 100);
  for (int i = 0; i < 5; ++i) CHECK_FALSE(limiter.acquire("192.0.2.1", kLimiterStart).has_value());
  const auto wait = limiter.acquire("192.0.2.1", kLimiterStart);
  REQUIRE(wait.has_value());
  CHECK(*wait == 200ms);
  // Another address has its own allowance.
  CHECK_FALSE(limiter.acquire("192.0.2.2", kLimiterStart).has_value());
  // A second later the first may send again.
  CHECK_FALSE(limiter.acquire("192.0.2.1", kLimiterStart + 1s).has_value());
}

TEST_CASE("Address rate: a steady five a second is never refused", "[address_rate]") {
  AddressRateLimiter limiter(5, 5, 100);
  for (int i = 0; i < 100; ++i) {
    INFO(i);
    CHECK_FALSE(limiter.acquire("192.0.2.1", kLimiterStart + i * 200ms).has_value());
  }
}

TEST_CASE("Address rate: the table never holds more than its bound", "[address_rate]") {
  AddressRateLimiter limiter(5, 5, 50);
  for (int i = 0; i < 1000; ++i) {
    limiter.acquire("10.0.0." + std::to_string(i), kLimiterStart + i * 1ms);
    REQUIRE(limiter.tracked() <= 50);
  }
}

TEST_CASE("Address rate: quiet addresses are forgotten first, busy ones keep their count",
          "[address_rate]") {
  AddressRateLimiter limiter(5, 5, 3);
  // A busy address spends its allowance.
  for (int i = 0; i < 5; ++i) REQUIRE_FALSE(limiter.acquire("busy", kLimiterStart).has_value());
  limiter.acquire("quiet-1", kLimiterStart - 10s);
  limiter.acquire("quiet-2", kLimiterStart - 10s);
  // Room for a newcomer is made from the quiet ones, whose allowance is whole again...
  CHECK_FALSE(limiter.acquire("new", kLimiterStart + 1ms).has_value());
  CHECK(limiter.tracked() <= 3);
  // ...and the busy address is still held to its rate.
  CHECK(limiter.acquire("busy", kLimiterStart + 2ms).has_value());
}

TEST_CASE("Address rate: when every address is busy the longest quiet makes room",
          "[address_rate]") {
  AddressRateLimiter limiter(5, 5, 2);
  for (int i = 0; i < 5; ++i) limiter.acquire("a", kLimiterStart);
  for (int i = 0; i < 5; ++i) limiter.acquire("b", kLimiterStart + 10ms);
  CHECK_FALSE(limiter.acquire("c", kLimiterStart + 20ms).has_value());
  CHECK(limiter.tracked() == 2);
  // "b" was kept (it sent last) and is still limited.
  CHECK(limiter.acquire("b", kLimiterStart + 30ms).has_value());
}

TEST_CASE("Address rate: a limit charged on failures locks an address out, and only it",
          "[address_rate]") {
  // The wrong-API-key limit: 10 a minute after a burst of 10.
  AddressRateLimiter failures(10.0 / 60.0, 10, 100);
  CHECK_FALSE(failures.spent("192.0.2.1", kLimiterStart).has_value());
  for (int i = 0; i < 10; ++i) failures.acquire("192.0.2.1", kLimiterStart);
  const auto locked = failures.spent("192.0.2.1", kLimiterStart);
  REQUIRE(locked.has_value());
  CHECK(*locked == 6s);  // one more failure is allowed every six seconds
  CHECK_FALSE(failures.spent("192.0.2.2", kLimiterStart).has_value());
  // Checking does not charge: the lockout ends when it says, however often it is asked.
  for (int i = 0; i < 100; ++i) failures.spent("192.0.2.1", kLimiterStart + 1s);
  CHECK_FALSE(failures.spent("192.0.2.1", kLimiterStart + 6s).has_value());
}
