// health.h: what /healthz says about Redis and about a certificate that expires soon.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http/health.h"

using proof::http::health;

namespace {

constexpr std::int64_t kNow = 1'750'000'000;  // 2025-06-15T15:06:40Z
constexpr std::int64_t kDay = std::int64_t{24} * 3600;

nlohmann::json body(const proof::http::Health& verdict) {
  return nlohmann::json::parse(verdict.body());
}

}  // namespace

TEST_CASE("healthz is ok with Redis connected and no certificate near its end", "[health]") {
  for (const auto expires : {std::optional<std::int64_t>{}, std::optional{kNow + 8 * kDay}}) {
    const auto verdict = health(false, expires, kNow);
    CHECK(verdict.status == 200);
    CHECK(body(verdict) == nlohmann::json{{"status", "ok"}});
  }
}

TEST_CASE("healthz is degraded, still 200, when the certificate expires within 7 days",
          "[health]") {
  const auto soon = health(false, kNow + 6 * kDay, kNow);
  CHECK(soon.status == 200);
  CHECK(body(soon) ==
        nlohmann::json{{"status", "degraded"},
                       {"reason", "tls certificate expires at 2025-06-21T15:06:40Z"}});
  CHECK(health(false, kNow + 7 * kDay, kNow).status == 200);
  CHECK(body(health(false, kNow + 7 * kDay, kNow))["status"] == "degraded");
  CHECK(body(health(false, kNow + 7 * kDay + 1, kNow))["status"] == "ok");
  // A 200 carries the widget's address, degraded or not.
  CHECK(soon.body() ==
        "{\"status\":\"degraded\",\"reason\":\"tls certificate expires at "
        "2025-06-21T15:06:40Z\"}\n");
  CHECK(nlohmann::json::parse(soon.body("/proof.js?v=3f0c9a1e6b7d"))["widget"] ==
        "/proof.js?v=3f0c9a1e6b7d");
  const auto past = health(false, kNow - 1, kNow);
  CHECK(past.status == 200);
  CHECK(body(past)["reason"] == "tls certificate expired at 2025-06-15T15:06:39Z");
}

TEST_CASE("healthz is 503 while Redis is unreachable, with every reason", "[health]") {
  const auto away = health(true, std::nullopt, kNow);
  CHECK(away.status == 503);
  CHECK(away.body() == "{\"status\":\"degraded\",\"reason\":\"redis unreachable\"}\n");
  const auto both = health(true, kNow + kDay, kNow);
  CHECK(both.status == 503);
  CHECK(body(both)["reason"] ==
        "redis unreachable; tls certificate expires at 2025-06-16T15:06:40Z");
}
