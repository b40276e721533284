// What GET /healthz says, decided apart from the endpoint so that each case can be checked
// without a server: ok, or degraded with every reason that applies, and whether a load
// balancer should take this instance out (503) or keep it (200).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proof::http {

/// How long before its certificate expires an instance says so in /healthz: a renewal
/// (certbot's, every 60 days for a 90-day certificate) that failed for a week is worth a
/// look while there is time.
inline constexpr std::chrono::seconds kTlsExpiryWarning{std::chrono::hours(24 * 7)};

struct Health {
  /// 200, or 503 when new pages should go to another instance.
  int status = 200;
  std::vector<std::string> reasons;  ///< empty: ok

  /// The body: {"status":"ok"}, or {"status":"degraded","reason":"a; b"}; with
  /// "widget": `widget` (the widget's versioned address) when it is not empty.
  std::string body(std::string_view widget = {}) const;
};

/// The verdict from what this instance knows. `redis_unreachable`: --redis and no
/// connection: streams stay open but POSTs are refused and nothing new arrives, so 503, and a
/// load balancer sends new pages to an instance that has Redis. `tls_expires_at` (seconds
/// since the epoch; nullopt without --tls-cert): within kTlsExpiryWarning of `now`, or past,
/// a reason but still 200: the certificate serves until the day it expires, and every
/// instance behind one balancer usually has the same one, so a 503 would take the whole
/// service down a week early instead of warning about it.
Health health(bool redis_unreachable, std::optional<std::int64_t> tls_expires_at, std::int64_t now);

}  // namespace proof::http
