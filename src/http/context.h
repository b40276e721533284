// What every endpoint shares: the options, the hub, the counters, the admission state, and
// one way to refuse a request (status, metric reason and message together).
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/answer_cache.h"
#include "core/hub.h"
#include "core/idempotency.h"
#include "core/key_store.h"
#include "core/metrics.h"
#include "core/publisher.h"
#include "core/tallies.h"
#include "http/address_rate.h"
#include "http/admission.h"
#include "http/cors.h"
#include "http/options.h"
#include "http/static_files.h"
#include "sources/delivery_log.h"
#include "sources/intake.h"
#include "sources/receiver.h"

namespace proof {

inline constexpr const char* kJsonType = "application/json";

/// Writes `refusal` as the answer (core/refusal.h): its status, Retry-After and
/// WWW-Authenticate where it has them, and the {"error": ...} body. Counts nothing: see
/// HttpContext::refuse.
void write_refusal(httplib::Response& res, const Refusal& refusal);

/// POST /beacon: reports a second per client address, and addresses remembered at once.
inline constexpr double kBeaconsPerSecond = 5;
/// ...after a burst of this many: a browser with several tabs open shows the same card in
/// each at once (tabs share one stream), and each of those is a card really shown.
inline constexpr double kBeaconBurst = 20;
inline constexpr std::size_t kBeaconAddresses = 10000;

/// POST /hooks: an address that sent more bad signatures than this (a second, after a
/// burst) gets 429 until it slows down. Good signatures are never charged: a platform
/// sends every shop's bursts from a few addresses.
inline constexpr double kBadSignaturesPerSecond = 1;
inline constexpr double kBadSignatureBurst = 10;
inline constexpr std::size_t kBadSignatureAddresses = 10000;

/// GET /summary: distinct questions (hours, channel) answered from the cache at once.
inline constexpr std::size_t kSummaryAnswers = 1024;

struct HttpContext {
  HttpContext(const HttpOptions& s, Hub& h, Metrics& m, Tallies& t, KeyStore& k)
      : options(s),
        hub(h),
        metrics(m),
        tallies(t),
        keys(k),
        publisher(h, m, t, s.display_name),
        idempotency(k),
        receivers(sources::make_receivers(s.secrets)),
        intake(publisher, k, s.accept_test_events),
        origins(s.allowed_origins),
        files(s.public_dir),
        publish_rate(s.max_publish_rate, s.max_publish_rate),
        address_slots(s.max_subscribers_per_ip),
        beacon_rate(kBeaconsPerSecond, kBeaconBurst, kBeaconAddresses),
        bad_signatures(kBadSignaturesPerSecond, kBadSignatureBurst, kBadSignatureAddresses) {}

  /// The receiver for /hooks/NAME, or null when that source has no secret here.
  const sources::Receiver* receiver(std::string_view name) const;

  /// True when `key` is the API key; otherwise answers 401 (with WWW-Authenticate) and
  /// returns false.
  bool authorized(const httplib::Request& req, httplib::Response& res, std::string_view key);
  /// The same for the key in a header (Authorization: Bearer or X-API-Key).
  bool authorized(const httplib::Request& req, httplib::Response& res);

  /// Reads the optional `?channel=NAME` into `channel` ("" when absent or empty); answers
  /// 400 and returns false when it is not a valid channel name.
  bool channel_param(const httplib::Request& req, httplib::Response& res, std::string& channel);

  /// Counts, logs (without personal data) and answers a refusal: the one way every
  /// endpoint refuses.
  void refuse(const httplib::Request& req, httplib::Response& res, const Refusal& refusal);

  const HttpOptions& options;
  Hub& hub;
  Metrics& metrics;
  Tallies& tallies;  ///< signups per hour and day, cards shown, clicks, peak pages
  KeyStore& keys;    ///< delivery ids and Idempotency-Keys, shared by every instance
  Publisher publisher;
  Idempotency idempotency;
  std::vector<std::unique_ptr<sources::Receiver>> receivers;  ///< the configured sources
  sources::Intake intake;
  sources::DeliveryLog deliveries;
  /// GET /summary's answers, a few seconds each (at most kSummaryAnswers of them).
  AnswerCache summaries{kSummaryAnswers, std::chrono::seconds(5)};
  OriginPolicy origins;
  StaticFiles files;
  RateLimiter publish_rate;
  AddressSlots address_slots;
  AddressRateLimiter beacon_rate;
  AddressRateLimiter bad_signatures;  ///< charged per bad signature, checked before each hook
};

/// A uniformly random whole number in [low, high] (reconnect and retry jitter).
int jitter(int low, int high);

/// A wait as Retry-After says it: whole seconds, rounded up, at least 1.
int retry_seconds(std::chrono::milliseconds wait);

}  // namespace proof
