// POST /hooks/NAME: a verified source's webhook (sources/), and GET /hooks/recent: what
// arrived, and which pages' origins were refused, for the operator. No API key on
// POST /hooks: the signature is the credential.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/signup.h"
#include "core/text.h"
#include "http/endpoints.h"

namespace proof::http {

namespace {

using sources::DeliveryOutcome;

std::int64_t ms_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// The origins refused lately, newest first, each with the flag that would allow it: a
/// shop page missing from --allowed-origin, found where the operator looks at deliveries.
nlohmann::json refused_origins_json(const RefusedOrigins& origins) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& entry : origins.recent()) {
    out.push_back({{"origin", entry.origin},
                   {"count", entry.count},
                   {"first_seen", ms_since_epoch(entry.first_seen)},
                   {"last_seen", ms_since_epoch(entry.last_seen)},
                   {"setting", entry.allow ? nlohmann::json("--allowed-origin " + *entry.allow)
                                           : nlohmann::json(nullptr)}});
  }
  return out;
}

}  // namespace

void handle_hook(HttpContext& ctx, const Request& req, Response& res) {
  const std::string& name = req.route_id();
  const sources::Receiver* receiver = ctx.receiver(name);
  if (receiver == nullptr) {
    return ctx.refuse(
        req, res,
        {404, core::RejectReason::kNotFound,
         "no source " + core::text::printable(name, 64) +
             " is set up here; the operator gives its secret with --" +
             (name == "standard" ? std::string("webhook") : core::text::printable(name, 64)) +
             "-secret"});
  }
  const std::string& address = req.client();
  const auto steady = std::chrono::steady_clock::now();
  if (const auto wait = ctx.bad_signatures.spent(address, steady)) {
    return ctx.refuse(req, res,
                      {.status = 429,
                       .reason = core::RejectReason::kRateLimited,
                       .message = "too many deliveries with bad signatures from this address; "
                                  "retry later",
                       .retry_after = retry_seconds(*wait)});
  }
  sources::Extras extras;
  if (!ctx.channel_param(req, res, extras.channel)) return;
  extras.offer = req.param("offer");
  if (!extras.offer.empty()) {
    // The same rules as POST /signup's offer_name: a bad one is the URL's mistake.
    const auto checked = core::validate({{"offer_name", extras.offer}});
    if (const auto* bad = std::get_if<core::Refusal>(&checked)) {
      return ctx.refuse(req, res,
                        {400, core::RejectReason::kInvalidField, "offer: " + bad->message});
    }
  }
  extras.from = req.remote_addr();

  sources::Delivery delivery;
  delivery.body = req.body();
  delivery.content_type = core::text::ascii_lower(req.header("Content-Type"));
  for (const auto& header : req.headers()) {
    delivery.headers.emplace_back(core::text::ascii_lower(header.name), header.value);
  }
  const auto now = sources::Clock::now();
  sources::Result result = ctx.intake.receive(*receiver, delivery, extras, now);
  ctx.deliveries.record({now, name, result.outcome, result.reason, result.name, result.id});
  if (result.outcome == DeliveryOutcome::kBadSignature) {
    ctx.bad_signatures.acquire(address, steady);
    spdlog::warn("bad signature on /hooks/{} from {}: {}", name, address, result.reason);
  }
  if (result.refusal) return ctx.refuse(req, res, *result.refusal);
  if (result.outcome != DeliveryOutcome::kPublished) {
    // "erased event N", "duplicate", "ignored (test)": the reason only where it says more.
    const std::string_view label = sources::outcome_label(result.outcome);
    const std::string event = result.id != 0 ? fmt::format(" event {}", result.id) : "";
    const std::string why =
        result.reason.empty() || result.reason == label ? "" : " (" + result.reason + ")";
    spdlog::info("/hooks/{} from {}: {}{}{}", name, address, label, event, why);
  }
  res.status = result.status;
  res.set_content(result.body, kJsonType);
}

void handle_hooks_recent(HttpContext& ctx, const Request& req, Response& res) {
  res.set_header("Cache-Control", "no-store");
  if (!ctx.authorized(req, res)) return;
  nlohmann::json configured = nlohmann::json::array();
  for (const std::string_view source : sources::kSourceNames) {
    if (ctx.receiver(source) == nullptr) continue;
    const auto totals = ctx.deliveries.totals(std::string(source));
    nlohmann::json counts = nlohmann::json::object();
    for (const DeliveryOutcome outcome : sources::kOutcomes) {
      counts[std::string(sources::outcome_label(outcome))] =
          totals.by_outcome[static_cast<std::size_t>(outcome)];
    }
    configured.push_back(
        {{"source", source},
         {"path", "/hooks/" + std::string(source)},
         {"last_delivery",
          totals.last ? nlohmann::json(ms_since_epoch(*totals.last)) : nlohmann::json(nullptr)},
         {"counts", std::move(counts)}});
  }
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& entry : ctx.deliveries.recent()) {
    nlohmann::json row{{"ts", ms_since_epoch(entry.at)},
                       {"source", entry.source},
                       {"outcome", sources::outcome_label(entry.outcome)},
                       {"reason", entry.reason},
                       {"name", entry.name}};
    if (entry.id != 0) row["id"] = entry.id;
    recent.push_back(std::move(row));
  }
  res.set_content(nlohmann::json{{"sources", std::move(configured)},
                                 {"accept_test_events", ctx.options.accept_test_events},
                                 {"recent", std::move(recent)},
                                 {"refused_origins", refused_origins_json(ctx.refused_origins)}}
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                      "\n",
                  kJsonType);
}

}  // namespace proof::http
