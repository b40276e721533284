// POST /beacon: the widget reports a card shown or clicked. Pages on allowed origins (and
// proof's own) send it; routes.cpp's pre-routing check has already refused other origins.
// Nothing here can change the published counts or the peak of pages: only shown and clicks.
#include <fmt/format.h>

#include <chrono>
#include <variant>

#include "core/beacon.h"
#include "core/text.h"
#include "http/endpoints.h"

namespace proof {

void handle_beacon(HttpContext& ctx, const Request& req, Response& res) {
  const std::string& address = req.client();
  if (const auto wait = ctx.beacon_rate.acquire(address, std::chrono::steady_clock::now())) {
    ctx.refuse(
        req, res,
        {.status = 429,
         .reason = RejectReason::kRateLimited,
         .message = fmt::format("more than {:g} beacons per second from one address; retry later",
                                kBeaconsPerSecond),
         .retry_after = retry_seconds(*wait)});
    return;
  }
  if (req.body().size() > kBeaconBodyBytes) {
    ctx.refuse(req, res,
               {413, RejectReason::kTooLarge,
                "a beacon body is at most " + std::to_string(kBeaconBodyBytes) + " bytes"});
    return;
  }
  // navigator.sendBeacon with a string sends text/plain, which needs no CORS preflight.
  const std::string type = text::ascii_lower(req.header("Content-Type"));
  if (!type.empty() && !type.starts_with("text/plain") && !type.starts_with("application/json")) {
    ctx.refuse(req, res,
               {415, RejectReason::kUnsupportedMediaType, "send text/plain or application/json"});
    return;
  }
  auto parsed = parse_beacon(req.body());
  if (const auto* refusal = std::get_if<Refusal>(&parsed)) {
    ctx.refuse(req, res, *refusal);
    return;
  }
  const Beacon& beacon = std::get<Beacon>(parsed);
  if (beacon.id) {
    // The history answers whether this server published the event and still holds it; a
    // made-up id counts nothing.
    const auto held = ctx.hub.resume(*beacon.id - 1);
    if (held.empty() || held.front()->id != *beacon.id) {
      ctx.refuse(req, res,
                 {404, RejectReason::kNotFound,
                  "no event " + std::to_string(*beacon.id) + " in the history"});
      return;
    }
  }
  const auto now = std::chrono::system_clock::now();
  if (beacon.kind == Beacon::Kind::kShown) {
    ctx.tallies.count_shown(now);
    ctx.metrics.card_shown();
  } else {
    ctx.tallies.count_click(now);
    ctx.metrics.card_clicked();
  }
  res.status = 204;
}

}  // namespace proof
