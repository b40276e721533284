// GET /healthz and GET /metrics: what a supervisor and Prometheus read.
#include <fmt/format.h>

#include "http/endpoints.h"

namespace proof {

void handle_healthz(HttpContext& ctx, const Request&, Response& res) {
  res.set_header("Cache-Control", "no-store");
  if (const SharedLog* shared = ctx.hub.shared(); shared && !shared->connected()) {
    // Degraded: streams stay open, but POSTs are refused and nothing new arrives. Still a
    // 503, so that a load balancer sends new pages to an instance that has Redis.
    res.status = 503;
    res.set_header("Retry-After", "2");
    res.set_content("{\"status\":\"degraded\",\"reason\":\"redis unreachable\"}\n", kJsonType);
    return;
  }
  // The widget's address for a tag that browsers may cache for good (static_endpoint.cpp):
  // the operator page, the WordPress plugin and a deploy script read it here.
  const auto widget = ctx.files.load("/proof.js");
  res.set_content(widget ? fmt::format("{{\"status\":\"ok\",\"widget\":\"/proof.js?v={}\"}}\n",
                                       StaticFiles::version(*widget))
                         : std::string("{\"status\":\"ok\"}\n"),
                  kJsonType);
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
  if (const SharedLog* shared = ctx.hub.shared()) {
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
  res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace proof
