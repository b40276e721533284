// A request as every handler sees it: the head the event loop's strict parser read (method,
// target, headers exactly as sent), its body, and who sent it; plus the path and query
// split out of the target once. Nothing here parses the head again, and no header value is
// decoded: what a handler reads is what the parser checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/request_handler.h"

namespace proof::http {

class Request {
 public:
  /// Splits the target into path and query (percent-decoded, '+' a space, as forms write
  /// them); the head and the body stay as they came.
  explicit Request(const net::Request& raw);

  const std::string& method() const { return raw_.head.method; }
  const std::string& target() const { return raw_.head.target; }
  /// The target's path, exactly as sent (routes are matched on it).
  std::string_view path() const { return path_; }
  /// The path percent-decoded, for naming a file (static files).
  std::string decoded_path() const;
  const std::string& body() const { return raw_.body; }
  const std::string& remote_addr() const { return raw_.remote_ip; }
  bool tls() const { return raw_.tls; }
  bool http10() const { return raw_.head.minor_version == 0; }
  /// The connection ends after this answer (HTTP/1.0, Connection: close).
  bool closes() const { return raw_.close; }

  /// The first value of header `name` (any case), as sent; "" when absent.
  std::string_view header(std::string_view name) const;
  /// How many times header `name` was sent.
  std::size_t header_count(std::string_view name) const;
  bool has_header(std::string_view name) const { return header_count(name) > 0; }
  /// Every value of header `name`, joined with ", " as a list-valued field is when a
  /// client splits it over several lines (RFC 9110 5.3).
  std::string joined_header(std::string_view name) const;
  const std::vector<net::Header>& headers() const { return raw_.head.headers; }

  /// The first value of query parameter `name`, decoded; "" when absent.
  std::string param(std::string_view name) const;
  bool has_param(std::string_view name) const { return param_count(name) > 0; }
  std::size_t param_count(std::string_view name) const;

  /// Who sent it (http/client_address.h: the peer, or behind a trusted proxy the client it
  /// names), as the router determined it once for every limit and count.
  const std::string& client() const { return client_; }
  void set_client(std::string address) { client_ = std::move(address); }

  /// The route's "{id}" segment (routes.h), once the router matched one; else "".
  const std::string& route_id() const { return route_id_; }
  void set_route_id(std::string id) { route_id_ = std::move(id); }

 private:
  const net::Request& raw_;
  std::string_view path_;
  std::vector<std::pair<std::string, std::string>> params_;
  std::string client_;
  std::string route_id_;
};

}  // namespace proof::http
