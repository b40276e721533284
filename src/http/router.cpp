#include "http/router.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "core/text.h"
#include "http/client_address.h"
#include "http/endpoints.h"

namespace proof::http {

namespace {

void preflight(const Request& req, Response& res) {
  res.status = 204;
  res.set_header("Access-Control-Allow-Methods", allowed_methods(req.path()));
  res.set_header("Access-Control-Allow-Headers",
                 "Content-Type, Authorization, X-API-Key, Last-Event-ID");
  res.set_header("Access-Control-Max-Age", "600");
}

/// The 403 for a page whose origin is not allowed. It is listed for the operator (/admin),
/// and it carries Access-Control-Allow-Origin for that very origin: without it the page's
/// script could not read the answer, and the widget could say no more than the browser's
/// generic CORS error. Nothing is given away by it: the body only says that this origin,
/// which the page knows, is not allowed, which the refusal itself shows; no other route's
/// answer is opened to the page.
void refuse_origin(HttpContext& ctx, const Request& req, Response& res, std::string_view origin) {
  ctx.refused_origins.record(origin, std::chrono::system_clock::now());
  res.set_header("Access-Control-Allow-Origin", std::string(origin));
  std::string message = "this page's origin " +
                        core::text::printable(origin, RefusedOrigins::kMaxOriginBytes) +
                        " is not allowed";
  if (const auto allow = RefusedOrigins::setting_for(origin)) {
    message += "; the operator adds it with --allowed-origin " + *allow;
  }
  ctx.refuse(req, res, {403, core::RejectReason::kOrigin, std::move(message)});
}

}  // namespace

void Router::route(Request& req, Response& res) {
  HttpContext& ctx = context_;
  ClientAddress who = client_address(req.remote_addr(), req.joined_header("X-Forwarded-For"),
                                     ctx.options.trusted_proxies);
  if (who.ignored_header) ctx.metrics.forwarded_for_ignored();
  req.set_client(std::move(who.address));
  RouteMatch found = find_route(req.method(), req.path());
  const std::string_view origin = req.header("Origin");
  res.set_header("Vary", "Origin");
  auto verdict = ctx.origins.check(origin, req.header("Host"));
  if (origin == "null" && found.route != nullptr &&
      found.route->cors == Cors::allowed_and_sandboxed) {
    verdict = OriginPolicy::Verdict::kNoOrigin;
  }
  switch (verdict) {
    case OriginPolicy::Verdict::kRefused:
      return refuse_origin(ctx, req, res, origin);
    case OriginPolicy::Verdict::kAllowed:
      res.set_header("Access-Control-Allow-Origin", std::string(origin));
      break;
    case OriginPolicy::Verdict::kNoOrigin:
    case OriginPolicy::Verdict::kSameOrigin:
      break;
  }
  if (!found.path_known) {
    if (req.method() != "GET" && req.method() != "HEAD") {
      return ctx.refuse(req, res,
                        {405, core::RejectReason::kMethod, "static files accept GET and HEAD"});
    }
    return serve_static(ctx, req, res);
  }
  if (found.route == nullptr) {
    const std::string allow = allowed_methods(req.path());
    if (req.method() == "OPTIONS" && allow.ends_with("OPTIONS")) return preflight(req, res);
    res.set_header("Allow", allow);
    return ctx.refuse(
        req, res,
        {405, core::RejectReason::kMethod, std::string(req.path()) + " accepts " + allow});
  }
  req.set_route_id(std::move(found.id));
  if (found.route->auth == Auth::key && !ctx.authorized(req, res)) return;
  found.route->endpoint(ctx, req, res);
}

net::Answer Router::answer(const net::Request& request) {
  Request req(request);
  Response res;
  try {
    route(req, res);
  } catch (const std::exception& e) {
    spdlog::error("{} {} failed: {}", core::text::printable(req.method()),
                  core::text::printable(req.path()), e.what());
    res = Response{};
    write_refusal(res, {.status = 500, .message = "internal error"});
  } catch (...) {
    spdlog::error("{} {} failed", core::text::printable(req.method()),
                  core::text::printable(req.path()));
    res = Response{};
    write_refusal(res, {.status = 500, .message = "internal error"});
  }
  net::Answer answer;
  if (res.stream) {
    // The stream's head carries what the router and the handler set (CORS, caching).
    answer.stream = std::move(res.stream);
    for (auto& header : res.headers) answer.stream->headers.push_back(std::move(header));
    return answer;
  }
  spdlog::debug("{} {} {} from {}", core::text::printable(req.method()),
                core::text::printable(req.path()), res.status, req.remote_addr());
  answer.close = req.closes();
  answer.bytes = response_bytes(res, {.head_only = req.method() == "HEAD",
                                      .close = answer.close,
                                      .http10 = req.http10(),
                                      .hsts = context_.options.hsts && req.tls()});
  return answer;
}

}  // namespace proof::http
