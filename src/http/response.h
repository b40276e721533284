// An answer as a handler fills it: status, headers, body, or a stream to open. A handler's
// result is this value (lwan's way): GET /events returns its admitted stream in `stream`
// rather than through a side channel, and the router turns everything else into bytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/request_handler.h"

namespace proof::http {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Set by a handler that admitted an event stream: the connection becomes that stream
  /// (with `headers` as its head's) and everything else here is ignored.
  std::unique_ptr<net::StreamOpening> stream;

  /// Sets header `name`, replacing any earlier value of it.
  void set_header(std::string_view name, std::string value);
  void remove_header(std::string_view name);
  /// The value of header `name`; "" when not set.
  std::string_view header(std::string_view name) const;
  void set_content(std::string content, std::string_view type);
};

/// How the answer goes out on its connection.
struct Framing {
  bool head_only = false;  ///< a HEAD request: the head of the GET's answer, no body
  bool close = false;      ///< the connection ends after it
  bool http10 = false;     ///< an HTTP/1.0 client, which must be told a connection stays
  bool hsts = false;       ///< Strict-Transport-Security (--hsts, over HTTPS)
};

/// The bytes of `res` on the wire: status line, its headers, Content-Type (text/plain for a
/// body without one), Content-Length (none on 1xx, 204 and 304), the connection's fate,
/// then the body.
std::string response_bytes(const Response& res, const Framing& framing);

}  // namespace proof::http
