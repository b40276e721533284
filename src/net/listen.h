// The listening socket, made one way for the server and for `check-config`'s probe, so that
// what the probe says can be listened on is exactly what the server will listen on.
#pragma once

#include <string>
#include <variant>

namespace proof::net {

struct Listening {
  int fd = -1;   ///< bound and listening; the caller owns it
  int port = 0;  ///< the port it is bound to (the one the kernel picked for port 0)
};

/// Why not.
struct ListenError {
  bool unresolved = false;  ///< `address` is not an address or a name that resolves
  std::string reason;       ///< the resolver's or the kernel's words ("Permission denied")

  /// "cannot listen on 127.0.0.1:80: Permission denied".
  std::string message(const std::string& address, int port) const;
};

/// Binds and listens on `address`:`port` (a numeric address or a host name; "0.0.0.0" or
/// "::" for every one) with the settings every connection inherits (backlog, send buffer).
std::variant<Listening, ListenError> listen(const std::string& address, int port);

}  // namespace proof::net
