// The route table: for every route proof serves, everything the server knows about it in
// one row: method and path, the worker lane and body limit the event loop applies before
// the handler runs (through net::RequestPolicy), who may call it, CORS and HEAD, and the
// handler. The router, the Allow headers and 405s, the preflights, the loop's limits and
// the static-file fallback all read this one list, so a route cannot be known to one and
// forgotten by another.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "http/context.h"
#include "net/request_policy.h"

namespace proof::http {

using Endpoint = void (*)(HttpContext&, const Request&, Response&);

/// Who may call a route, and who checks.
enum class Auth {
  none,         ///< anyone (CORS still applies)
  key,          ///< the API key in a header; the router checks it before the handler
  key_or_form,  ///< the key in a header or the form body (POST /signup): the handler checks
  signature,    ///< a platform's signature over the body (POST /hooks/NAME): the handler
};

/// Which pages' browsers may call a route, besides requests without an Origin (servers,
/// curl) and proof's own pages, which every route serves.
enum class Cors {
  none,     ///< no other origin: no preflight is answered, and the Origin check refuses it
  allowed,  ///< pages on --allowed-origin: the preflight is answered
  /// The same, and sandboxed frames, whose Origin is the opaque "null" (a Shopify custom
  /// pixel): for a route that can only add to a count, which a request without any Origin
  /// may do too, so accepting "null" lets nothing new in.
  allowed_and_sandboxed,
};

struct Route {
  std::string_view method;  ///< GET, POST or DELETE
  /// An exact path, or one ending in "{id}": any single path segment of 1-64 characters,
  /// which the handler reads from Request::route_id().
  std::string_view path;
  std::size_t max_body_bytes;  ///< the loop refuses a larger body (413) before reading it
  net::Lane lane;
  Auth auth;
  Cors cors;
  bool head;  ///< a GET that also answers HEAD (not for streams)
  Endpoint endpoint;
};

/// Every route proof serves; any other GET or HEAD is a static file from --public-dir.
std::span<const Route> routes();

/// What a request's path (as sent, without its query) finds in the table.
struct RouteMatch {
  const Route* route = nullptr;  ///< the route for this method, or null
  bool path_known = false;       ///< some route has this path (else: a static file)
  std::string id;                ///< the "{id}" segment, when the route has one
};
RouteMatch find_route(std::string_view method, std::string_view path);

/// The methods `path` accepts, as for an Allow header ("GET, OPTIONS"); empty when no
/// route has this path.
std::string allowed_methods(std::string_view path);

/// The event loop's limits, read from the table: a route's own body limit and lane; the
/// usual limit and the requests lane for anything else (static files, unknown paths).
class RoutePolicy final : public net::RequestPolicy {
 public:
  net::TargetPolicy policy(std::string_view method, std::string_view target) const override;
};

}  // namespace proof::http
