// hourly_totals.h: signups per UTC hour, overall and per channel, over a sliding window of
// up to 720 hours, with an injected clock.
#include <catch2/catch.hpp>

#include "core/hourly_totals.h"

using namespace std::chrono_literals;
using proof::HourlyTotals;
using HourlyClock = proof::HourlyTotals::Clock;

TEST_CASE("Hourly totals: the last H hours, the current one included", "[hourly]") {
  const auto t0 = HourlyClock::time_point{} + 480000h + 30min;  // half past some hour
  HourlyTotals totals(nullptr, t0);
  totals.add("", t0 - 3h);
  totals.add("mug", t0 - 1h);
  totals.add("", t0);
  CHECK(totals.count(1, "", t0) == 1);
  CHECK(totals.count(2, "", t0) == 2);
  CHECK(totals.count(4, "", t0) == 3);
  CHECK(totals.count(720, "mug", t0) == 1);
  CHECK(totals.count(720, "tea", t0) == 0);
  // An hour later the oldest of the 2-hour window has moved on.
  CHECK(totals.count(2, "", t0 + 1h) == 1);
}

TEST_CASE("Hourly totals: hours older than 720 are forgotten", "[hourly]") {
  const auto t0 = HourlyClock::time_point{} + 480000h;
  HourlyTotals totals(nullptr, t0);
  totals.add("", t0);
  CHECK(totals.count(720, "", t0 + 719h) == 1);
  totals.add("", t0 + 720h);  // counting expires what fell out of the window
  CHECK(totals.count(720, "", t0 + 720h) == 1);
}
