#include "http/routes.h"

#include "core/beacon.h"
#include "core/signup.h"
#include "http/endpoints.h"
#include "sources/receiver.h"

namespace proof::http {

namespace {

using net::Lane;

constexpr std::size_t kBody = core::limits::kBodyBytes;
// A real order with a long cart runs to hundreds of KB.
constexpr std::size_t kDelivery = sources::kMaxDeliveryBytes;
// A GET has no business sending a body; the usual limit is what it may send unread.
constexpr Route kRoutes[] = {
    {"GET", "/events", kBody, Lane::streams, Auth::none, Cors::allowed, false, handle_events},
    {"DELETE", "/events/{id}", kBody, Lane::requests, Auth::key, Cors::allowed, false,
     handle_erase},
    {"GET", "/summary", kBody, Lane::requests, Auth::none, Cors::allowed, false, handle_summary},
    {"POST", "/signup", kBody, Lane::requests, Auth::key_or_form, Cors::allowed, false,
     handle_signup},
    {"POST", "/beacon", core::kBeaconBodyBytes, Lane::requests, Auth::none,
     Cors::allowed_and_sandboxed, false, handle_beacon},
    {"GET", "/stats", kBody, Lane::requests, Auth::key, Cors::none, false, handle_stats},
    {"GET", "/hooks/recent", kBody, Lane::requests, Auth::key, Cors::none, false,
     handle_hooks_recent},
    {"POST", "/hooks/{id}", kDelivery, Lane::hooks, Auth::signature, Cors::none, false,
     handle_hook},
    {"GET", "/healthz", kBody, Lane::requests, Auth::none, Cors::none, true, handle_healthz},
    {"GET", "/metrics", kBody, Lane::requests, Auth::none, Cors::none, true, handle_metrics},
};

constexpr std::string_view kIdSegment = "{id}";
constexpr std::size_t kMaxIdSegment = 64;

/// Whether `route` has `path`; its "{id}" segment into `id`.
bool matches(const Route& route, std::string_view path, std::string& id) {
  const std::string_view pattern = route.path;
  if (!pattern.ends_with(kIdSegment)) return pattern == path;
  const std::string_view prefix = pattern.substr(0, pattern.size() - kIdSegment.size());
  if (!path.starts_with(prefix)) return false;
  const std::string_view segment = path.substr(prefix.size());
  if (segment.empty() || segment.size() > kMaxIdSegment ||
      segment.find('/') != std::string_view::npos) {
    return false;
  }
  id = segment;
  return true;
}

bool answers(const Route& route, std::string_view method) {
  return route.method == method || (route.head && method == "HEAD");
}

}  // namespace

std::span<const Route> routes() {
  return kRoutes;
}

RouteMatch find_route(std::string_view method, std::string_view path) {
  RouteMatch found;
  for (const Route& route : kRoutes) {
    std::string id;
    if (!matches(route, path, id)) continue;
    found.path_known = true;
    // An exact path goes before a pattern that also has it (/hooks/recent, /hooks/{id}).
    if (found.route == nullptr && answers(route, method)) {
      found.route = &route;
      found.id = std::move(id);
    }
  }
  return found;
}

std::string allowed_methods(std::string_view path) {
  std::string allow;
  bool options = false;
  const auto add = [&allow](std::string_view method) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  };
  for (const Route& route : kRoutes) {
    std::string id;
    if (!matches(route, path, id)) continue;
    add(route.method);
    if (route.head) add("HEAD");
    options = options || route.cors != Cors::none;
  }
  if (options) add("OPTIONS");
  return allow;
}

net::TargetPolicy RoutePolicy::policy(std::string_view method, std::string_view target) const {
  const RouteMatch found = find_route(method, target.substr(0, target.find('?')));
  if (found.route == nullptr) return {kBody, Lane::requests};
  return {found.route->max_body_bytes, found.route->lane};
}

}  // namespace proof::http
