// Who a request comes from, for per-address limits and the experiment's visitor: the peer,
// or behind a trusted reverse proxy the address it reports in X-Forwarded-For.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace proof::http {

struct ClientAddress {
  std::string address;
  /// A trusted proxy passed on an X-Forwarded-For with a hop that is not an IP address
  /// ("198.51.100.7%00", a host name, a port): the whole header was ignored and the peer
  /// counts. A forged hop must not be taken for some other client's address.
  bool ignored_header = false;
};

/// The client's address. `peer` is the socket's remote address; X-Forwarded-For (every
/// line of it, joined) is believed only when `peer` is one of `trusted_proxies`, only when
/// each of its hops is an IP address as inet_pton reads it (empty list elements aside), and
/// then read from the right, skipping trusted proxies, since everything left of the last
/// untrusted hop can be forged. Addresses compare as addresses, not as text
/// ("::ffff:127.0.0.1" is 127.0.0.1).
ClientAddress client_address(std::string_view peer, std::string_view forwarded_for,
                             const std::vector<std::string>& trusted_proxies);

}  // namespace proof::http
