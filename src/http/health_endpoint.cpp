// GET /healthz and GET /metrics: what a supervisor and Prometheus read.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "core/utc.h"
#include "http/endpoints.h"
#include "http/health.h"

namespace proof::http {

std::string Health::body(std::string_view widget) const {
  nlohmann::ordered_json body{{"status", reasons.empty() ? "ok" : "degraded"}};
  std::string joined;
  for (const auto& reason : reasons) joined += (joined.empty() ? "" : "; ") + reason;
  if (!joined.empty()) body["reason"] = joined;
  if (!widget.empty()) body["widget"] = widget;
  return body.dump() + "\n";
}

Health health(bool redis_unreachable, std::optional<std::int64_t> tls_expires_at,
              std::int64_t now) {
  Health verdict;
  if (redis_unreachable) {
    verdict.status = 503;
    verdict.reasons.emplace_back("redis unreachable");
  }
  if (tls_expires_at && *tls_expires_at - now <= kTlsExpiryWarning.count()) {
    verdict.reasons.push_back(
        (*tls_expires_at <= now ? "tls certificate expired at " : "tls certificate expires at ") +
        core::utc_text(*tls_expires_at));
  }
  return verdict;
}

void handle_healthz(HttpContext& ctx, const Request&, Response& res) {
  res.set_header("Cache-Control", "no-store");
  const core::SharedLog* shared = ctx.hub.shared();
  std::optional<std::int64_t> expires;
  if (ctx.tls) expires = ctx.tls->expires_at();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  const Health verdict = health(shared && !shared->connected(), expires, now.count());
  res.status = verdict.status;
  if (verdict.status == 503) res.set_header("Retry-After", "2");
  // The widget's address for a tag that browsers may cache for good (static_endpoint.cpp):
  // the operator page, the WordPress plugin and a deploy script read it here.
  std::string widget;
  if (verdict.status == 200) {
    if (const auto file = ctx.files.load("/proof.js")) {
      widget = "/proof.js?v=" + StaticFiles::version(*file);
    }
  }
  res.set_content(verdict.body(widget), kJsonType);
}

void handle_metrics(HttpContext& ctx, const Request&, Response& res) {
  res.set_header("Cache-Control", "no-store");
  std::string text = ctx.metrics.render(ctx.hub.subscribers());
  text += fmt::format(
      "# HELP proof_experiment_visitors_not_counted_total Visitors of the holdout experiment "
      "not counted because a day's bound was reached (a flood of forged visitors).\n"
      "# TYPE proof_experiment_visitors_not_counted_total counter\n"
      "proof_experiment_visitors_not_counted_total {}\n",
      ctx.experiment.visitors_not_counted());
  std::vector<std::string> configured;
  for (const auto& receiver : ctx.receivers) configured.emplace_back(receiver->name());
  if (!configured.empty()) text += ctx.deliveries.render_metrics(configured);
  // One number, not one series per origin: the origins are whatever a sender forges.
  text += fmt::format(
      "# HELP proof_refused_origins Distinct origins refused lately and listed on /admin "
      "(GET /hooks/recent), at most {}.\n"
      "# TYPE proof_refused_origins gauge\n"
      "proof_refused_origins {}\n",
      RefusedOrigins::kKept, ctx.refused_origins.size());
  if (const core::SharedLog* shared = ctx.hub.shared()) {
    text += fmt::format(
        "# HELP proof_redis_connected Whether this instance is reading the shared history in "
        "Redis.\n"
        "# TYPE proof_redis_connected gauge\n"
        "proof_redis_connected {}\n"
        "# HELP proof_redis_reader_lag_seconds Time from acceptance to arrival here, for the last "
        "event read from Redis.\n"
        "# TYPE proof_redis_reader_lag_seconds gauge\n"
        "proof_redis_reader_lag_seconds {:.3f}\n"
        "# HELP proof_redis_gap_events_total Events this instance never read because the shared "
        "history in Redis dropped them first.\n"
        "# TYPE proof_redis_gap_events_total counter\n"
        "proof_redis_gap_events_total {}\n",
        shared->connected() ? 1 : 0, shared->reader_lag_seconds(), shared->gap_events());
  }
  if (ctx.tls) {
    text += fmt::format(
        "# HELP proof_tls_certificate_expiry_timestamp_seconds When the HTTPS certificate new "
        "connections get stops being valid (its notAfter), in seconds since the epoch.\n"
        "# TYPE proof_tls_certificate_expiry_timestamp_seconds gauge\n"
        "proof_tls_certificate_expiry_timestamp_seconds {}\n",
        ctx.tls->expires_at());
  }
  res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace proof::http
