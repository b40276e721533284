#include "http/routes.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "core/text.h"
#include "http/endpoints.h"

namespace proof {

namespace {

using httplib::Request;
using httplib::Response;
using HandlerResponse = httplib::Server::HandlerResponse;

constexpr Route kRoutes[] = {
    {"GET", "/events", true, false, handle_events},
    {"DELETE", "/events/{id}", true, false, handle_erase},
    {"GET", "/summary", true, false, handle_summary},
    {"POST", "/signup", true, false, handle_signup},
    {"POST", "/beacon", true, false, handle_beacon},
    {"GET", "/stats", false, false, handle_stats},
    {"GET", "/hooks/recent", false, false, handle_hooks_recent},
    {"POST", "/hooks/{id}", false, false, handle_hook},
    {"GET", "/healthz", false, true, handle_healthz},
    {"GET", "/metrics", false, true, handle_metrics},
};

constexpr std::string_view kIdSegment = "{id}";
constexpr std::size_t kMaxIdSegment = 64;

bool matches(const Route& route, std::string_view path) {
  const std::string_view pattern = route.path;
  if (!pattern.ends_with(kIdSegment)) return pattern == path;
  const std::string_view prefix = pattern.substr(0, pattern.size() - kIdSegment.size());
  if (!path.starts_with(prefix)) return false;
  const std::string_view segment = path.substr(prefix.size());
  return !segment.empty() && segment.size() <= kMaxIdSegment &&
         segment.find('/') == std::string_view::npos;
}

/// The pattern cpp-httplib matches (std::regex_match on the whole path). Route paths are
/// plain [a-z/] text; "{id}" becomes a bounded group, since libstdc++'s regex recurses once
/// per repetition.
std::string to_regex(std::string_view pattern) {
  if (!pattern.ends_with(kIdSegment)) return std::string(pattern);
  return std::string(pattern.substr(0, pattern.size() - kIdSegment.size())) + "([^/]{1," +
         std::to_string(kMaxIdSegment) + "})";
}

bool has_route(std::string_view path) {
  for (const Route& route : kRoutes) {
    if (matches(route, path)) return true;
  }
  return false;
}

bool method_allowed(std::string_view path, std::string_view method) {
  for (const Route& route : kRoutes) {
    if (!matches(route, path)) continue;
    if (route.method == method || (route.head && method == "HEAD") ||
        (route.cross_origin && method == "OPTIONS")) {
      return true;
    }
  }
  return false;
}

void preflight(const Request& req, Response& res) {
  res.status = 204;
  res.set_header("Access-Control-Allow-Methods", allowed_methods(req.path));
  res.set_header("Access-Control-Allow-Headers",
                 "Content-Type, Authorization, X-API-Key, Last-Event-ID");
  res.set_header("Access-Control-Max-Age", "600");
}

HandlerResponse pre_route(HttpContext& ctx, const Request& req, Response& res) {
  const std::string origin = req.get_header_value("Origin");
  res.set_header("Vary", "Origin");
  switch (ctx.origins.check(origin, req.get_header_value("Host"))) {
    case OriginPolicy::Verdict::kRefused:
      ctx.refuse(
          req, res,
          {403, RejectReason::kOrigin,
           "origin " + origin + " is not allowed; the operator can add it with --allowed-origin"});
      return HandlerResponse::Handled;
    case OriginPolicy::Verdict::kAllowed:
      res.set_header("Access-Control-Allow-Origin", origin);
      break;
    case OriginPolicy::Verdict::kNoOrigin:
    case OriginPolicy::Verdict::kSameOrigin:
      break;
  }
  if (has_route(req.path)) {
    if (method_allowed(req.path, req.method)) return HandlerResponse::Unhandled;
    const std::string allow = allowed_methods(req.path);
    res.set_header("Allow", allow);
    ctx.refuse(req, res, {405, RejectReason::kMethod, req.path + " accepts " + allow});
    return HandlerResponse::Handled;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    ctx.refuse(req, res, {405, RejectReason::kMethod, "static files accept GET and HEAD"});
    return HandlerResponse::Handled;
  }
  serve_static(ctx, req, res);
  return HandlerResponse::Handled;
}

}  // namespace

std::span<const Route> routes() {
  return kRoutes;
}

std::string allowed_methods(std::string_view path) {
  std::string allow;
  bool options = false;
  const auto add = [&allow](std::string_view method) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  };
  for (const Route& route : kRoutes) {
    if (!matches(route, path)) continue;
    add(route.method);
    if (route.head) add("HEAD");
    options = options || route.cross_origin;
  }
  if (options) add("OPTIONS");
  return allow;
}

void install_routes(httplib::Server& server, HttpContext& ctx) {
  for (const Route& route : kRoutes) {
    auto handler = [&ctx, endpoint = route.endpoint](const Request& req, Response& res) {
      endpoint(ctx, req, res);
    };
    const std::string pattern = to_regex(route.path);
    if (route.method == "GET") server.Get(pattern, handler);
    if (route.method == "POST") server.Post(pattern, handler);
    if (route.method == "DELETE") server.Delete(pattern, handler);
    if (route.cross_origin) server.Options(pattern, preflight);
  }

  server.set_pre_routing_handler(
      [&ctx](const Request& req, Response& res) { return pre_route(ctx, req, res); });
  server.set_error_handler([&ctx](const Request& req, Response& res) {
    // What the library answered itself: a 413 from the body limit, a 404 for a path with
    // no route and no file, a 400 for what it could not parse. Handlers wrote their own.
    if (!res.body.empty()) return;
    Refusal refusal{.status = res.status,
                    .reason = res.status == 413   ? RejectReason::kTooLarge
                              : res.status == 404 ? RejectReason::kNotFound
                                                  : RejectReason::kBadRequest,
                    .message = std::string(default_message(res.status))};
    ctx.refuse(req, res, refusal);
  });
  server.set_exception_handler([](const Request& req, Response& res, const std::exception_ptr& ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {} failed: {}", text::printable(req.method), text::printable(req.path), what);
    write_refusal(res, {.status = 500, .message = "internal error"});
  });
  server.set_logger([](const Request& req, const Response& res) {
    spdlog::debug("{} {} {} from {}", text::printable(req.method), text::printable(req.path),
                  res.status, req.remote_addr);
  });
}

}  // namespace proof
