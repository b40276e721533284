// GET /stats?days=N: the daily counts for the operator (the key is required), as
// `proof stats` and the /admin page read them, and the holdout experiment's answer.
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "core/unavailable.h"
#include "http/auth.h"
#include "http/endpoints.h"

namespace proof::http {

namespace {

constexpr std::size_t kDefaultDays = 30;

/// 1 to DailyStats::kKeepDays in plain decimal digits; nullopt for anything else.
std::optional<std::size_t> parse_days(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  std::size_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (n < 1 || n > core::DailyStats::kKeepDays) return std::nullopt;
  return n;
}

}  // namespace

void handle_stats(HttpContext& ctx, const Request& req, Response& res) {
  res.set_header("Cache-Control", "no-store");
  if (!ctx.authorized(req, res)) return;
  std::size_t n = kDefaultDays;
  if (req.has_param("days")) {
    const auto asked = req.param_count("days") == 1 ? parse_days(req.param("days")) : std::nullopt;
    if (!asked) {
      ctx.refuse(
          req, res,
          {400, core::RejectReason::kBadRequest,
           "days must be a whole number from 1 to " + std::to_string(core::DailyStats::kKeepDays)});
      return;
    }
    n = *asked;
  }
  const auto now = std::chrono::system_clock::now();
  std::vector<core::DayRecord> records;
  nlohmann::json experiment;
  try {
    records = ctx.tallies.days(n, now);
    experiment = core::experiment_json(ctx.experiment.report(now));
  } catch (const core::Unavailable& e) {  // the shared counts, or the experiment's, in Redis
    spdlog::warn("could not read the counts for /stats: {}", e.what());
    ctx.refuse(req, res, core::unavailable_refusal(e));
    return;
  }
  nlohmann::json days = nlohmann::json::array();
  for (const core::DayRecord& record : records) {
    days.push_back(nlohmann::json{{"date", core::iso_date(record.day)},
                                  {"published", record.counts.published},
                                  {"purchases", record.counts.purchases},
                                  {"shown", record.counts.shown},
                                  {"clicks", record.counts.clicks},
                                  {"peak_pages", record.counts.peak_pages}});
  }
  res.set_content(
      nlohmann::json{{"days", std::move(days)}, {"experiment", std::move(experiment)}}.dump() +
          "\n",
      kJsonType);
}

}  // namespace proof::http
