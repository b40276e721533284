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

/// Binds and listens on `address`:`port` (a numeric address or a host name; "0.0.0.0" or
/// "::" for every one) with the settings every connection inherits (backlog, send buffer).
/// The error says why not, naming the address ("cannot listen on 127.0.0.1:80: Permission
/// denied").
std::variant<Listening, std::string> listen(const std::string& address, int port);

}  // namespace proof::net
