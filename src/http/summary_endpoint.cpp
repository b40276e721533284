// GET /summary?hours=H[&channel=NAME][&kind=KIND]: events accepted in the last H hours, for
// "142 people signed up this week", or purchases (or signups) alone. No key (pages ask for
// it), CORS as for /events, and a short cache, so a crowd of page loads costs one count per
// few seconds.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/unavailable.h"
#include "http/endpoints.h"

namespace proof::http {

namespace {

constexpr int kDefaultHours = 24;

/// 1..max as digits only; 0 otherwise.
int parse_hours(const std::string& text) {
  if (text.empty() || text.size() > 3 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  const int value = std::stoi(text);
  return value >= 1 && value <= core::HourlyTotals::kKeepHours ? value : 0;
}

}  // namespace

void handle_summary(HttpContext& ctx, const Request& req, Response& res) {
  int hours = kDefaultHours;
  if (req.has_param("hours")) {
    hours = parse_hours(req.param("hours"));
    if (hours == 0) {
      ctx.refuse(
          req, res,
          {400, core::RejectReason::kBadRequest, "hours must be a whole number from 1 to 720"});
      return;
    }
  }
  std::string channel;
  if (!ctx.channel_param(req, res, channel)) return;
  // Empty is absent, as for channel: every kind.
  core::KindFilter kind;
  if (const std::string& word = req.param("kind"); !word.empty()) {
    kind = core::parse_kind(word);
    // Two kinds would count one of them without saying which: refused, as a form body
    // refuses a field given twice.
    if (!kind || req.param_count("kind") > 1) {
      ctx.refuse(req, res,
                 {400, core::RejectReason::kBadRequest,
                  "kind must be signup or purchase; leave it out to count every event"});
      return;
    }
  }
  const auto now = std::chrono::steady_clock::now();
  const std::string key = std::to_string(hours) + "/" + channel + "/" +
                          std::string(kind ? core::kind_name(*kind) : std::string_view("all"));
  std::optional<std::string> body = ctx.summaries.find(key, now);
  if (!body) {
    try {
      body = fmt::format(
          "{{\"count\":{},\"hours\":{}}}\n",
          ctx.tallies.accepted(hours, channel, kind, std::chrono::system_clock::now()), hours);
    } catch (const core::Unavailable& e) {  // the shared counts in Redis
      spdlog::warn("could not count events for /summary: {}", e.what());
      ctx.refuse(req, res, core::unavailable_refusal(e));
      return;
    }
    ctx.summaries.keep(key, *body, now);
  }
  res.set_header("Cache-Control", "public, max-age=5");
  res.set_content(*body, kJsonType);
}

}  // namespace proof::http
