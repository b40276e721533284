// One function per endpoint, each in its own file; the route table (routes.cpp) says which
// method and path reach it.
#pragma once

#include "http/request.h"
#include "http/response.h"

#include "http/context.h"

namespace proof::http {

/// POST /signup: parse, authenticate, rate-limit, validate, publish (signup_endpoint.cpp).
void handle_signup(HttpContext& ctx, const Request& req, Response& res);

/// GET /events: the stream handshake: resume point, replay, caps (events_endpoint.cpp).
void handle_events(HttpContext& ctx, const Request& req, Response& res);

/// POST /beacon: a card shown or clicked, counted for today (beacon_endpoint.cpp).
void handle_beacon(HttpContext& ctx, const Request& req, Response& res);

/// GET /stats?days=N: the daily counts, with the API key (stats_endpoint.cpp).
void handle_stats(HttpContext& ctx, const Request& req, Response& res);

/// DELETE /events/ID with the API key: erasure (erase_endpoint.cpp).
void handle_erase(HttpContext& ctx, const Request& req, Response& res);

/// GET /summary: signups in the last H hours (summary_endpoint.cpp).
void handle_summary(HttpContext& ctx, const Request& req, Response& res);

/// POST /hooks/NAME: a verified source's signed webhook; GET /hooks/recent: the last
/// deliveries and the counts, with the API key (hooks_endpoint.cpp).
void handle_hook(HttpContext& ctx, const Request& req, Response& res);
void handle_hooks_recent(HttpContext& ctx, const Request& req, Response& res);

/// GET /healthz and GET /metrics (health_endpoint.cpp).
void handle_healthz(HttpContext& ctx, const Request& req, Response& res);
void handle_metrics(HttpContext& ctx, const Request& req, Response& res);

/// Any other GET or HEAD: a file from --public-dir, with validators (static_endpoint.cpp).
void serve_static(HttpContext& ctx, const Request& req, Response& res);

}  // namespace proof::http
