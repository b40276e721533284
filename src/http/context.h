// What every endpoint shares: the settings, the hub, the counters, the admission state, and
// one way to refuse a request (status, metric reason and message together).
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

#include "app/config.h"
#include "core/answer_cache.h"
#include "core/hub.h"
#include "core/metrics.h"
#include "core/tallies.h"
#include "http/address_rate.h"
#include "http/admission.h"
#include "http/cors.h"
#include "http/static_files.h"

namespace proof {

/// One refusal: the status the client gets, the reason /metrics counts it under, and the
/// sentence for the JSON body. Request parsing, handlers and the connection layer all
/// refuse through this, so a status is never counted under two names.
struct Refusal {
  int status;
  RejectReason reason;
  std::string message;
};

inline constexpr const char* kJsonType = "application/json";

/// Writes `{"error": message}`; a message quoting what the client sent may hold invalid
/// UTF-8, which is replaced rather than thrown on.
void set_json_error(httplib::Response& res, int status, std::string_view message);

/// The answer for a status no handler wrote a body for (404 from the router, 413 from the
/// body limit...).
std::string_view default_message(int status);

/// POST /beacon: reports a second per client address, and addresses remembered at once.
inline constexpr double kBeaconsPerSecond = 5;
/// ...after a burst of this many: a browser with several tabs open shows the same card in
/// each at once (tabs share one stream), and each of those is a card really shown.
inline constexpr double kBeaconBurst = 20;
inline constexpr std::size_t kBeaconAddresses = 10000;

/// GET /summary: distinct questions (hours, channel) answered from the cache at once.
inline constexpr std::size_t kSummaryAnswers = 1024;

struct HttpContext {
  HttpContext(const Settings& s, Hub& h, Metrics& m, Tallies& t)
      : settings(s),
        hub(h),
        metrics(m),
        tallies(t),
        origins(s.allowed_origins),
        files(s.public_dir),
        publish_rate(s.max_publish_rate, s.max_publish_rate),
        address_slots(s.max_subscribers_per_ip),
        beacon_rate(kBeaconsPerSecond, kBeaconBurst, kBeaconAddresses) {}

  /// True when the request carries the API key in a header (Authorization: Bearer or
  /// X-API-Key); otherwise answers 401 and returns false.
  bool authorized(const httplib::Request& req, httplib::Response& res);

  /// Reads the optional `?channel=NAME` into `channel` ("" when absent); answers 400 and
  /// returns false when it is not a valid channel name (GET /events and GET /summary).
  bool channel_param(const httplib::Request& req, httplib::Response& res, std::string& channel);

  /// Counts, logs (without personal data) and answers a refusal.
  void refuse(const httplib::Request& req, httplib::Response& res, const Refusal& refusal);

  const Settings& settings;
  Hub& hub;
  Metrics& metrics;
  Tallies& tallies;  ///< signups per hour and day, cards shown, clicks, peak pages
  /// GET /summary's answers, a few seconds each (at most kSummaryAnswers of them).
  AnswerCache summaries{kSummaryAnswers, std::chrono::seconds(5)};
  OriginPolicy origins;
  StaticFiles files;
  RateLimiter publish_rate;
  AddressSlots address_slots;
  AddressRateLimiter beacon_rate;
};

/// A uniformly random whole number in [low, high] (reconnect and retry jitter).
int jitter(int low, int high);

}  // namespace proof
