// POST /beacon: the widget reports a card shown or clicked, and for the holdout experiment a
// page view or a goal. Pages on allowed origins (and proof's own) send it; the router has
// already refused other origins, and the route table holds its body to 512 bytes. Nothing
// here can change the published counts or the peak of pages: only shown, clicks and the
// experiment's visitor-days.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <variant>

#include "core/beacon.h"
#include "core/text.h"
#include "core/unavailable.h"
#include "http/endpoints.h"

namespace proof::http {

void handle_beacon(HttpContext& ctx, const Request& req, Response& res) {
  const std::string& address = req.client();
  if (const auto wait = ctx.beacon_rate.acquire(address, std::chrono::steady_clock::now())) {
    ctx.refuse(
        req, res,
        {.status = 429,
         .reason = core::RejectReason::kRateLimited,
         .message = fmt::format("more than {:g} beacons per second from one address; retry later",
                                kBeaconsPerSecond),
         .retry_after = retry_seconds(*wait)});
    return;
  }
  // navigator.sendBeacon with a string sends text/plain, which needs no CORS preflight.
  const std::string type = core::text::ascii_lower(req.header("Content-Type"));
  if (!type.empty() && !type.starts_with("text/plain") && !type.starts_with("application/json")) {
    ctx.refuse(
        req, res,
        {415, core::RejectReason::kUnsupportedMediaType, "send text/plain or application/json"});
    return;
  }
  auto parsed = core::parse_beacon(req.body());
  if (const auto* refusal = std::get_if<core::Refusal>(&parsed)) {
    ctx.refuse(req, res, *refusal);
    return;
  }
  const core::Beacon& beacon = std::get<core::Beacon>(parsed);
  const auto now = std::chrono::system_clock::now();
  if (beacon.kind == core::Beacon::Kind::kVisit || beacon.kind == core::Beacon::Kind::kGoal) {
    // The experiment's beacons: the server derives the arm from the visitor itself, and
    // counts nothing (but answers alike) while no experiment runs.
    try {
      ctx.experiment.record(
          req.client(), req.header("User-Agent"),
          beacon.kind == core::Beacon::Kind::kGoal ? core::Visit::kGoal : core::Visit::kView, now);
    } catch (const core::Unavailable& e) {
      spdlog::warn("could not count an experiment's beacon: {}", e.what());
      ctx.refuse(req, res, core::unavailable_refusal(e, "nothing was counted"));
      return;
    }
    res.status = 204;
    return;
  }
  if (beacon.id) {
    // The history answers whether this server published the event and still holds it; a
    // made-up id counts nothing.
    const auto held = ctx.hub.resume(*beacon.id - 1);
    if (held.empty() || held.front()->id != *beacon.id) {
      ctx.refuse(req, res,
                 {404, core::RejectReason::kNotFound,
                  "no event " + std::to_string(*beacon.id) + " in the history"});
      return;
    }
  }
  if (beacon.kind == core::Beacon::Kind::kShown) {
    ctx.tallies.count_shown(now);
    ctx.metrics.card_shown();
  } else {
    ctx.tallies.count_click(now);
    ctx.metrics.card_clicked();
  }
  res.status = 204;
}

}  // namespace proof::http
