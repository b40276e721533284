// sources/delivery_log.h: what the Sources panel and /metrics show of the deliveries.
#include <catch2/catch.hpp>
#include <string>

#include "sources/delivery_log.h"

using namespace proof::sources;

TEST_CASE("DeliveryLog: the last 50, newest first, and counts by source and outcome",
          "[delivery_log]") {
  DeliveryLog log;
  const auto t0 = Clock::now();
  for (int i = 0; i < 60; ++i) {
    log.record({t0 + std::chrono::seconds(i), i % 2 ? "stripe" : "shopify",
                i % 3 ? DeliveryOutcome::kPublished : DeliveryOutcome::kDuplicate, "",
                "n" + std::to_string(i), static_cast<std::uint64_t>(i)});
  }
  const auto recent = log.recent();
  REQUIRE(recent.size() == DeliveryLog::kRecent);
  CHECK(recent.front().name == "n59");
  CHECK(recent.back().name == "n10");
  const auto stripe = log.totals("stripe");
  CHECK(stripe.by_outcome[static_cast<std::size_t>(DeliveryOutcome::kPublished)] +
            stripe.by_outcome[static_cast<std::size_t>(DeliveryOutcome::kDuplicate)] ==
        30);
  CHECK(stripe.last == t0 + std::chrono::seconds(59));
  CHECK_FALSE(log.totals("woocommerce").last.has_value());
  const std::string text = log.render_metrics({"stripe", "woocommerce"});
  CHECK_THAT(text,
             Catch::Contains(
                 "proof_source_deliveries_total{source=\"woocommerce\",outcome=\"too_large\"} 0"));
  CHECK_THAT(text, Catch::Contains("# TYPE proof_source_deliveries_total counter"));
  CHECK_THAT(text, !Catch::Contains("shopify"));  // only the sources asked for
}
