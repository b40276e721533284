// http/refused_origins.h: the origins /admin lists as refused, bounded however many arrive.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "http/refused_origins.h"

using proof::http::RefusedOrigins;
using namespace std::chrono_literals;

namespace {

/// The origins listed, newest first.
std::vector<std::string> listed(const RefusedOrigins& origins) {
  std::vector<std::string> out;
  for (const auto& entry : origins.recent()) out.push_back(entry.origin);
  return out;
}

bool lists(const RefusedOrigins& origins, const std::string& origin) {
  const auto all = listed(origins);
  return std::find(all.begin(), all.end(), origin) != all.end();
}

}  // namespace

TEST_CASE("RefusedOrigins: counts each origin, newest first, with the flag that allows it",
          "[refused_origins]") {
  RefusedOrigins origins;
  const auto t0 = RefusedOrigins::Clock::now();
  origins.record("https://shop.example", t0);
  origins.record("https://other.example", t0 + 1s);
  origins.record("https://shop.example", t0 + 2s);
  const auto recent = origins.recent();
  REQUIRE(recent.size() == 2);
  CHECK(recent[0].origin == "https://shop.example");
  CHECK(recent[0].count == 2);
  CHECK(recent[0].first_seen == t0);
  CHECK(recent[0].last_seen == t0 + 2s);
  CHECK(recent[0].allow == "https://shop.example");
  CHECK(recent[1].origin == "https://other.example");
  CHECK(recent[1].count == 1);
}

TEST_CASE("RefusedOrigins: no flag where none allows the origin", "[refused_origins]") {
  CHECK(RefusedOrigins::setting_for("HTTP://Shop.Example:8080") == "http://shop.example:8080");
  CHECK_FALSE(RefusedOrigins::setting_for("null"));  // sandboxed frames, file: pages
  CHECK_FALSE(RefusedOrigins::setting_for("*"));     // would allow every site
  CHECK_FALSE(RefusedOrigins::setting_for("https://shop.example/path"));
  CHECK_FALSE(RefusedOrigins::setting_for("https://" + std::string(400, 'a') + ".example"));
}

TEST_CASE(
    "RefusedOrigins: a flood of forged origins stays bounded and cannot push out one "
    "refused twice",
    "[refused_origins]") {
  RefusedOrigins origins;
  auto t = RefusedOrigins::Clock::now();
  // A real page: its widget retries a refused stream, so it is refused again within seconds.
  origins.record("https://shop.example", t);
  origins.record("https://shop.example", t += 1s);
  for (int i = 0; i < 1000; ++i) {
    origins.record("https://forged-" + std::to_string(i) + ".example", t += 1ms);
    REQUIRE(origins.size() <= RefusedOrigins::kKept);
  }
  CHECK(origins.size() == RefusedOrigins::kKept);
  CHECK(lists(origins, "https://shop.example"));
  // The rest are the newest of the flood.
  CHECK(lists(origins, "https://forged-999.example"));
  CHECK_FALSE(lists(origins, "https://forged-900.example"));
  CHECK(listed(origins).front() == "https://forged-999.example");
}

TEST_CASE("RefusedOrigins: with every origin refused more than once, the stalest goes",
          "[refused_origins]") {
  RefusedOrigins origins;
  auto t = RefusedOrigins::Clock::now();
  for (std::size_t i = 0; i < RefusedOrigins::kKept; ++i) {
    const std::string origin = "https://o" + std::to_string(i) + ".example";
    origins.record(origin, t += 1s);
    origins.record(origin, t += 1s);
  }
  origins.record("https://new.example", t += 1s);
  CHECK(origins.size() == RefusedOrigins::kKept);
  CHECK(lists(origins, "https://new.example"));
  CHECK_FALSE(lists(origins, "https://o0.example"));
  CHECK(lists(origins, "https://o1.example"));
}

TEST_CASE("RefusedOrigins: a long or hostile origin is kept short and printable",
          "[refused_origins]") {
  RefusedOrigins origins;
  const auto t = RefusedOrigins::Clock::now();
  const std::string huge = "https://" + std::string(8000, 'x');
  origins.record(huge, t);
  origins.record(huge + "y", t);  // the same first bytes: the same entry
  origins.record("https://a\x01.example", t);
  const auto recent = origins.recent();
  REQUIRE(recent.size() == 2);
  for (const auto& entry : recent) {
    CHECK(entry.origin.size() <= RefusedOrigins::kMaxOriginBytes + 3);  // and "..."
    CHECK(entry.origin.find('\x01') == std::string::npos);
  }
  const auto& cut = recent[0].count == 2 ? recent[0] : recent[1];
  CHECK(cut.count == 2);
  CHECK_FALSE(cut.allow);
}
