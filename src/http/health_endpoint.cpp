// GET /healthz and GET /metrics: what a supervisor and Prometheus read.
#include "http/endpoints.h"

namespace proof {

void handle_healthz(HttpContext&, const httplib::Request&, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_content("{\"status\":\"ok\"}\n", kJsonType);
}

void handle_metrics(HttpContext& ctx, const httplib::Request&, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_content(ctx.metrics.render(ctx.hub.subscribers()),
                  "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace proof
