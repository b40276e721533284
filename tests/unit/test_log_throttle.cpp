// log_throttle.h: refused requests are logged at a bounded rate, and the line after a gap
// says how many were left out.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>

#include "core/log_throttle.h"

using namespace std::chrono_literals;
using proof::core::LogThrottle;

TEST_CASE("Log throttle: a burst passes, then a steady rate, and the gap is counted",
          "[log_throttle]") {
  LogThrottle throttle(20, 50);
  const auto t0 = LogThrottle::Clock::time_point{} + 1h;
  std::uint64_t skipped = 99;
  int written = 0;
  for (int i = 0; i < 10000; ++i) {
    if (throttle.allow(t0, skipped)) {
      ++written;
      CHECK(skipped == 0);
    }
  }
  CHECK(written == 50);  // a flood of 10,000 at once writes the burst only
  // A second later: 20 more lines, the first of them telling what was left out.
  REQUIRE(throttle.allow(t0 + 1s, skipped));
  CHECK(skipped == 9950);
  written = 1;
  for (int i = 0; i < 100; ++i) written += throttle.allow(t0 + 1s, skipped) ? 1 : 0;
  CHECK(written == 20);
  // Quiet for a long while: the full burst is back, nothing more.
  int later = 0;
  for (int i = 0; i < 100; ++i) later += throttle.allow(t0 + 1h, skipped) ? 1 : 0;
  CHECK(later == 50);
}

TEST_CASE("Log throttle: a clock that steps back takes nothing and gives nothing",
          "[log_throttle]") {
  LogThrottle throttle(1, 1);
  const auto t0 = LogThrottle::Clock::time_point{} + 1h;
  std::uint64_t skipped = 0;
  CHECK(throttle.allow(t0, skipped));
  CHECK_FALSE(throttle.allow(t0 - 10s, skipped));
  CHECK(throttle.allow(t0 + 1s, skipped));
  CHECK(skipped == 1);
}

TEST_CASE("Log throttle: the note says how many lines were left out", "[log_throttle]") {
  CHECK(proof::core::skipped_note(0).empty());
  CHECK(proof::core::skipped_note(9950) == " (9950 more refusals not logged)");
}
