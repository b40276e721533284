// metrics.h: the counters behind GET /metrics in Prometheus text format.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/metrics.h"

using proof::core::Metrics;
using proof::core::RejectReason;

namespace {

struct Exposition {
  std::map<std::string, double> samples;     ///< "name{labels}" -> value
  std::map<std::string, std::string> types;  ///< family -> counter/gauge
  std::map<std::string, int> helps;          ///< family -> number of HELP lines
  std::map<std::string, int> type_lines;     ///< family -> number of TYPE lines
  bool sample_before_type = false;           ///< a sample appeared before its family's TYPE
};

/// Reads the text exposition format the way a Prometheus scraper does (enough of it).
Exposition parse(const std::string& text) {
  Exposition out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream words(line);
    if (line.rfind("# HELP ", 0) == 0) {
      std::string hash, help, name;
      words >> hash >> help >> name;
      ++out.helps[name];
    } else if (line.rfind("# TYPE ", 0) == 0) {
      std::string hash, type_word, name, type;
      words >> hash >> type_word >> name >> type;
      out.types[name] = type;
      ++out.type_lines[name];
    } else {
      const std::size_t space = line.rfind(' ');
      const std::string key = line.substr(0, space);
      const std::string family = key.substr(0, key.find('{'));
      if (out.types.count(family) == 0) out.sample_before_type = true;
      out.samples[key] = std::stod(line.substr(space + 1));
    }
  }
  return out;
}

std::string rejected_key(RejectReason reason) {
  return "proof_requests_rejected_total{reason=\"" +
         std::string(proof::core::reason_label(reason)) + "\"}";
}

/// Every reason, so a reason added later is covered without editing this file.
std::vector<RejectReason> all_reasons() {
  std::vector<RejectReason> out;
  for (std::size_t i = 0; i < static_cast<std::size_t>(RejectReason::kCount); ++i) {
    out.push_back(static_cast<RejectReason>(i));
  }
  return out;
}

}  // namespace

TEST_CASE("Metrics: every family has one HELP and one TYPE before its samples", "[metrics]") {
  const Metrics metrics;
  Exposition e = parse(metrics.render(0));
  const std::map<std::string, std::string> families = {
      {"proof_subscribers", "gauge"},
      {"proof_events_published_total", "counter"},
      {"proof_deliveries_total", "counter"},
      {"proof_subscribers_dropped_total", "counter"},
      {"proof_cards_shown_total", "counter"},
      {"proof_card_clicks_total", "counter"},
      {"proof_requests_rejected_total", "counter"},
      {"proof_uptime_seconds", "gauge"},
  };
  for (const auto& [name, type] : families) {
    INFO(name);
    CHECK(e.helps[name] == 1);
    CHECK(e.type_lines[name] == 1);
    CHECK(e.types[name] == type);
  }
  CHECK_FALSE(e.sample_before_type);
}

TEST_CASE("Metrics: a fresh server reports zero for every counter", "[metrics]") {
  const Exposition e = parse(Metrics().render(0));
  CHECK(e.samples.at("proof_subscribers") == 0);
  CHECK(e.samples.at("proof_events_published_total") == 0);
  CHECK(e.samples.at("proof_deliveries_total") == 0);
  CHECK(e.samples.at("proof_subscribers_dropped_total") == 0);
  CHECK(e.samples.at("proof_cards_shown_total") == 0);
  CHECK(e.samples.at("proof_card_clicks_total") == 0);
  for (const RejectReason r : all_reasons()) CHECK(e.samples.at(rejected_key(r)) == 0);
  CHECK(e.samples.at("proof_uptime_seconds") >= 0);
}

TEST_CASE("Metrics: counters move with published, delivered and dropped", "[metrics]") {
  Metrics metrics;
  for (int i = 0; i < 3; ++i) metrics.published();
  metrics.delivered(10);
  metrics.delivered(5);
  metrics.dropped();
  metrics.dropped();
  const Exposition e = parse(metrics.render(0));
  CHECK(e.samples.at("proof_events_published_total") == 3);
  CHECK(e.samples.at("proof_deliveries_total") == 15);
  CHECK(e.samples.at("proof_subscribers_dropped_total") == 2);
}

TEST_CASE("Metrics: cards shown and clicked are counted apart", "[metrics]") {
  Metrics metrics;
  for (int i = 0; i < 4; ++i) metrics.card_shown();
  metrics.card_clicked();
  const Exposition e = parse(metrics.render(0));
  CHECK(e.samples.at("proof_cards_shown_total") == 4);
  CHECK(e.samples.at("proof_card_clicks_total") == 1);
  CHECK(e.samples.at("proof_events_published_total") == 0);
}

TEST_CASE("Metrics: every reject reason has its own labelled series", "[metrics]") {
  Metrics metrics;
  std::size_t n = 1;
  for (const RejectReason r : all_reasons()) {
    for (std::size_t i = 0; i < n; ++i) metrics.rejected(r);
    ++n;
  }
  const Exposition e = parse(metrics.render(0));
  n = 1;
  for (const RejectReason r : all_reasons()) {
    INFO(proof::core::reason_label(r));
    REQUIRE(e.samples.count(rejected_key(r)) == 1);
    CHECK(e.samples.at(rejected_key(r)) == static_cast<double>(n));
    CHECK(metrics.rejected_count(r) == n);
    ++n;
  }
}

TEST_CASE("Metrics: reason labels are distinct", "[metrics]") {
  // Signup parsing now refuses with the reason itself (core/refusal.h), so there is no
  // string to map back; what is left to check is that no two reasons share a series.
  std::map<std::string, RejectReason> seen;
  for (const RejectReason r : all_reasons()) {
    const std::string label(proof::core::reason_label(r));
    CHECK_FALSE(label.empty());
    CHECK(seen.emplace(label, r).second);
  }
  CHECK(proof::core::reason_label(RejectReason::kMalformed) == "malformed");
  CHECK(proof::core::reason_label(RejectReason::kInvalidField) == "invalid_field");
}

TEST_CASE("Metrics: the subscribers gauge shows the value sampled by the caller", "[metrics]") {
  const Metrics metrics;
  CHECK(parse(metrics.render(0)).samples.at("proof_subscribers") == 0);
  CHECK(parse(metrics.render(1234)).samples.at("proof_subscribers") == 1234);
  CHECK(parse(metrics.render(7)).samples.at("proof_subscribers") == 7);
}
