// The route table: one list from which the handlers, the methods each path accepts (Allow
// headers and 405s), the CORS preflights and the static-file fallback all come, so a route
// cannot be registered in one place and forgotten in another.
#pragma once

#include <httplib.h>

#include <span>
#include <string>
#include <string_view>

#include "http/context.h"

namespace proof {

using Endpoint = void (*)(HttpContext&, const httplib::Request&, httplib::Response&);

struct Route {
  std::string_view method;  ///< GET, POST or DELETE
  /// An exact path, or one ending in "{id}": any single path segment of 1-64 characters,
  /// which the handler reads from req.matches[1].
  std::string_view path;
  bool cross_origin;  ///< called by pages on allowed origins: OPTIONS preflight answered
  bool head;          ///< a GET that also answers HEAD (not for streams)
  Endpoint endpoint;
};

/// Every route proof serves; any other GET or HEAD is a static file from --public-dir.
std::span<const Route> routes();

/// The methods `path` accepts, as for an Allow header ("GET, OPTIONS"); empty when no
/// route has this path.
std::string allowed_methods(std::string_view path);

/// Registers the table's handlers on `server`, with the pre-routing check (CORS, 405,
/// static files) and the error and exception handlers that make every refusal JSON.
void install_routes(httplib::Server& server, HttpContext& context);

}  // namespace proof
