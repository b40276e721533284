// `proof stats`: the daily counts of GET /stats as a table in the terminal.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "app/config.h"

namespace proof::app {

/// An answer from /stats that is not {"days": [{"date", "published", "purchases", "shown",
/// "clicks", "peak_pages"}, ...]} ("purchases" may be missing: a server older than kinds).
struct StatsFormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The /stats answer as aligned columns: date, published, purchases ("-" from a server
/// older than kinds), shown, clicks, CTR (clicks per card shown; "-" when none was shown),
/// peak pages; then a total line over the days.
std::string format_stats_table(const nlohmann::json& stats);

/// Fetches /stats?days=`days` from `target` with the key in `settings` and prints the table.
/// kExitOk, or kExitFailure with the reason on stderr.
int print_stats(const Settings& settings, const ServerTarget& target, int days);

}  // namespace proof::app
