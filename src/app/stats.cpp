#include "app/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <optional>
#include <vector>

#include "app/server_client.h"

namespace proof::app {

namespace {

using Row = std::array<std::string, 7>;

long long count(const nlohmann::json& day, const char* field) {
  const auto it = day.find(field);
  if (it == day.end() || !it->is_number_integer() || it->get<long long>() < 0) {
    throw StatsFormatError(std::string("a day without a count '") + field + "'");
  }
  return it->get<long long>();
}

/// A day's purchases; nullopt from a server older than kinds, which does not count them.
std::optional<long long> purchases(const nlohmann::json& day) {
  if (!day.contains("purchases")) return std::nullopt;
  return count(day, "purchases");
}

std::string ctr(long long clicks, long long shown) {
  if (shown == 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(clicks) / static_cast<double>(shown));
}

}  // namespace

std::string format_stats_table(const nlohmann::json& stats) {
  if (!stats.is_object() || !stats.contains("days") || !stats["days"].is_array()) {
    throw StatsFormatError("no \"days\" list in the answer");
  }
  std::vector<Row> rows{{"date", "published", "purchases", "shown", "clicks", "CTR", "peak pages"}};
  long long published = 0, shown = 0, clicks = 0, peak = 0;
  std::optional<long long> bought = 0;  // nullopt once a day has no count of purchases
  const auto text = [](std::optional<long long> n) { return n ? std::to_string(*n) : "-"; };
  for (const auto& day : stats["days"]) {
    if (!day.is_object() || !day.contains("date") || !day["date"].is_string()) {
      throw StatsFormatError("a day without a date");
    }
    const long long p = count(day, "published"), s = count(day, "shown"), c = count(day, "clicks"),
                    k = count(day, "peak_pages");
    const std::optional<long long> b = purchases(day);
    published += p;
    bought = bought && b ? std::optional(*bought + *b) : std::nullopt;
    shown += s;
    clicks += c;
    peak = std::max(peak, k);
    rows.push_back({day["date"].get<std::string>(), std::to_string(p), text(b), std::to_string(s),
                    std::to_string(c), ctr(c, s), std::to_string(k)});
  }
  rows.push_back({"total", std::to_string(published), text(bought), std::to_string(shown),
                  std::to_string(clicks), ctr(clicks, shown), std::to_string(peak)});

  std::array<std::size_t, 7> width{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      // The date left-aligned, the numbers right-aligned so that their digits line up.
      const std::string pad(width[i] - row[i].size(), ' ');
      line += i == 0 ? row[i] + pad : "  " + pad + row[i];
    }
    out += line + '\n';
  }
  return out;
}

int print_stats(const Settings& settings, const ServerTarget& target, int days) {
  ServerClient client("proof stats", target, settings.api_key);
  if (!client.valid()) return kExitFailure;
  const auto response = client.get("/stats?days=" + std::to_string(days));
  if (!response) return kExitFailure;
  if (response->status != 200) {
    client.refused("the server did not give its stats", *response);
    return kExitFailure;
  }
  try {
    std::cout << format_stats_table(nlohmann::json::parse(response->body));
  } catch (const std::exception& e) {
    std::cerr << "proof stats: unexpected answer from " << target.url << ": " << e.what() << '\n';
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace proof::app
