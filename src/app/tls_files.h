// The TLS certificate and key as the server will load them, checked before it starts.
#pragma once

#include <optional>
#include <string>

namespace proof::app {

/// Why `cert` (a PEM chain) and `key` (a PEM private key) cannot serve HTTPS together
/// (unreadable, not PEM, or a key that is not the certificate's), or nullopt when they can.
std::optional<std::string> tls_pair_problem(const std::string& cert, const std::string& key);

}  // namespace proof::app
