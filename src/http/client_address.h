// Who a request comes from, for per-address limits: the peer, or behind a trusted reverse
// proxy the address it reports in X-Forwarded-For.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace proof {

/// The client's address. `peer` is the socket's remote address; X-Forwarded-For is believed
/// only when `peer` is one of `trusted_proxies`, and then read from the right, skipping
/// trusted proxies, since everything left of the last untrusted hop can be forged.
std::string client_address(std::string_view peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

}  // namespace proof
