// hourly_totals.h: events per UTC hour, overall, per channel and per kind, over a window of
// up to 720 hours, with an injected clock.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/hourly_totals.h"
#include "core/signup.h"

using namespace std::chrono_literals;
using proof::core::HourlyTotals;
using HourlyClock = proof::core::HourlyTotals::Clock;

TEST_CASE("Hourly totals: the last H hours, the current one included", "[hourly]") {
  const auto t0 = HourlyClock::time_point{} + 480000h + 30min;  // half past some hour
  HourlyTotals totals(nullptr, t0);
  totals.add("", proof::core::EventKind::kSignup, t0 - 3h);
  totals.add("mug", proof::core::EventKind::kSignup, t0 - 1h);
  totals.add("", proof::core::EventKind::kSignup, t0);
  CHECK(totals.count(1, "", std::nullopt, t0) == 1);
  CHECK(totals.count(2, "", std::nullopt, t0) == 2);
  CHECK(totals.count(4, "", std::nullopt, t0) == 3);
  CHECK(totals.count(720, "mug", std::nullopt, t0) == 1);
  CHECK(totals.count(720, "tea", std::nullopt, t0) == 0);
  // An hour later the oldest of the 2-hour window has moved on.
  CHECK(totals.count(2, "", std::nullopt, t0 + 1h) == 1);
}

TEST_CASE("Hourly totals: hours older than 720 are forgotten", "[hourly]") {
  const auto t0 = HourlyClock::time_point{} + 480000h;
  HourlyTotals totals(nullptr, t0);
  totals.add("", proof::core::EventKind::kSignup, t0);
  CHECK(totals.count(720, "", std::nullopt, t0 + 719h) == 1);
  totals.add("", proof::core::EventKind::kSignup,
             t0 + 720h);  // counting expires what fell out of the window
  CHECK(totals.count(720, "", std::nullopt, t0 + 720h) == 1);
}

TEST_CASE("Hourly totals: purchases count alone, signups are the rest, on every channel",
          "[hourly][kind]") {
  using proof::core::EventKind;
  const auto t0 = HourlyClock::time_point{} + 480000h + 30min;
  HourlyTotals totals(nullptr, t0);
  totals.add("", EventKind::kSignup, t0 - 2h);
  totals.add("", EventKind::kPurchase, t0 - 2h);
  totals.add("mug", EventKind::kPurchase, t0 - 1h);
  totals.add("mug", EventKind::kSignup, t0);
  totals.add("tea", EventKind::kPurchase, t0);
  CHECK(totals.count(24, "", std::nullopt, t0) == 5);
  CHECK(totals.count(24, "", EventKind::kPurchase, t0) == 3);
  CHECK(totals.count(24, "", EventKind::kSignup, t0) == 2);
  CHECK(totals.count(24, "mug", std::nullopt, t0) == 2);
  CHECK(totals.count(24, "mug", EventKind::kPurchase, t0) == 1);
  CHECK(totals.count(24, "mug", EventKind::kSignup, t0) == 1);
  CHECK(totals.count(24, "tea", EventKind::kSignup, t0) == 0);
  // The window applies to each kind: the purchase of two hours ago is out of the last 2.
  CHECK(totals.count(2, "", EventKind::kPurchase, t0) == 2);
}

TEST_CASE("Hourly totals: erasing a purchase uncounts it as a purchase, a signup as a signup",
          "[hourly][kind]") {
  using proof::core::EventKind;
  const auto t0 = HourlyClock::time_point{} + 480000h + 30min;
  HourlyTotals totals(nullptr, t0);
  totals.add("mug", EventKind::kPurchase, t0);
  totals.add("mug", EventKind::kPurchase, t0);
  totals.add("mug", EventKind::kSignup, t0);
  totals.remove("mug", EventKind::kPurchase, t0, t0);
  CHECK(totals.count(1, "mug", EventKind::kPurchase, t0) == 1);
  CHECK(totals.count(1, "", EventKind::kPurchase, t0) == 1);
  CHECK(totals.count(1, "mug", EventKind::kSignup, t0) == 1);
  totals.remove("mug", EventKind::kSignup, t0, t0);
  CHECK(totals.count(1, "mug", EventKind::kPurchase, t0) == 1);
  CHECK(totals.count(1, "mug", EventKind::kSignup, t0) == 0);
  CHECK(totals.count(1, "", std::nullopt, t0) == 1);
}

namespace {

/// An HourlyStore in memory, as --data-dir keeps rows: (hour, key) -> count.
struct RowStore : proof::core::HourlyStore {
  std::map<std::pair<std::int64_t, std::string>, std::uint64_t> rows;
  void add_hour(std::int64_t hour, const std::string& channel, int delta) override {
    std::uint64_t& n = rows[{hour, channel}];
    if (delta > 0) {
      ++n;
    } else if (n > 0) {
      --n;
    }
  }
  std::vector<Row> load_hours(std::int64_t first_hour) override {
    std::vector<Row> out;
    for (const auto& [key, count] : rows) {
      if (key.first >= first_hour) out.push_back({key.first, key.second, count});
    }
    return out;
  }
  void drop_hours_before(std::int64_t) override {}
};

}  // namespace

TEST_CASE("Hourly totals: purchases outlive a restart under keys no channel can have",
          "[hourly][kind]") {
  using proof::core::EventKind;
  const auto t0 = HourlyClock::time_point{} + 480000h + 30min;
  RowStore store;
  {
    HourlyTotals totals(&store, t0);
    totals.add("mug", EventKind::kPurchase, t0);
    totals.add("", EventKind::kSignup, t0);
  }
  for (const auto& [key, count] : store.rows) {
    INFO(key.second);
    // A purchase key starts with '+', which no channel name (a-z 0-9 _ -) can.
    CHECK(
        (key.second.empty() || key.second[0] == '+' || proof::core::is_valid_channel(key.second)));
  }
  HourlyTotals again(&store, t0);
  CHECK(again.count(1, "", std::nullopt, t0) == 2);
  CHECK(again.count(1, "", EventKind::kPurchase, t0) == 1);
  CHECK(again.count(1, "mug", EventKind::kPurchase, t0) == 1);
  CHECK(again.count(1, "", EventKind::kSignup, t0) == 1);
}
