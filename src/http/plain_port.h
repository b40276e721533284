// What --http-port answers, beside HTTPS: the ACME HTTP-01 challenges that certbot leaves
// in --acme-webroot (so a certificate can be obtained and renewed with proof alone on port
// 80), and for everything else a 308 to the same URL over HTTPS. It runs in the same event
// loops, under the same strict parser and caps, as the HTTPS listener; it has no routes,
// no streams and reads no other file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "net/request_handler.h"

namespace proof::http {

/// Where certbot's webroot plugin (and any HTTP-01 client) puts a token, under its webroot.
inline constexpr std::string_view kAcmeChallengePrefix = "/.well-known/acme-challenge/";

/// Whether `name` can be an ACME token's file name: 1 to 128 characters of the base64url
/// alphabet (A-Z a-z 0-9 - _), which is all RFC 8555 (8.3) lets a token hold. So no ".",
/// "..", hidden name, "/" or percent-escape can name anything else.
bool acme_token_name(std::string_view name);

/// The Location of the 308 for a plain request: https://, the host of its Host header
/// without the port, `https_port` unless it is 443, and the request target as sent (a
/// path, with its query). nullopt when the Host header is missing or not a host name, an
/// IPv4 address or a bracketed IPv6 address (with an optional port), or when the target is
/// not a path.
///
/// The request's own Host is trusted because the answer goes only to the client that sent
/// it: a browser sends the name it was given, and a forged Host sends a forger to a name of
/// its own choosing. What makes that safe is that the name cannot change the URL's shape:
/// no userinfo, path or second port can ride in on it.
std::optional<std::string> https_location(std::string_view host_header, std::string_view target,
                                          int https_port);

/// The contents of the challenge file `token` in `webroot`/.well-known/acme-challenge/, or
/// nullopt when there is none to serve: `token` fails acme_token_name, or a part of the path
/// below `webroot` is a symbolic link, or the file is not a regular file or is over 4 KiB
/// (a key authorization is under 100 bytes).
std::optional<std::string> read_acme_challenge(const std::string& webroot, std::string_view token);

/// The handler of the plain listener's requests (net::RequestHandler; on the worker threads).
class PlainPort final : public net::RequestHandler {
 public:
  /// `webroot`: --acme-webroot, or empty to redirect every request, challenges too.
  /// `https_port`: the port the redirects name (the HTTPS listener's, as bound).
  /// `metrics` counts its refusals with the HTTPS listener's.
  PlainPort(std::string webroot, int https_port, core::Metrics& metrics)
      : webroot_(std::move(webroot)), https_port_(https_port), metrics_(metrics) {}

  net::Answer answer(const net::Request& request) override;

 private:
  const std::string webroot_;
  const int https_port_;
  core::Metrics& metrics_;
};

}  // namespace proof::http
