// What every endpoint shares: the options, the hub, the counters, the admission state, and
// one way to refuse a request (status, metric reason and message together).
//
// One HttpContext serves every worker thread at once (net/worker_pool.h: four of them), so
// each member says below how it is safe to share: read-only after start, its own lock, or
// an interface whose implementations lock (the hub, the stores). Nothing here is a
// per-request scratch space.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/answer_cache.h"
#include "core/experiment.h"
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
#include "http/refused_origins.h"
#include "http/request.h"
#include "http/response.h"
#include "http/static_files.h"
#include "net/tls_context.h"
#include "sources/delivery_log.h"
#include "sources/intake.h"
#include "sources/receiver.h"

namespace proof::http {

inline constexpr const char* kJsonType = "application/json";

/// Writes `refusal` as the answer (core/refusal.h): its status, Retry-After and
/// WWW-Authenticate where it has them, and the {"error": ...} body. Counts nothing: see
/// HttpContext::refuse.
void write_refusal(Response& res, const core::Refusal& refusal);

/// Counts `refusal` in /metrics, logs it (throttled by the refusal log; `where` follows the
/// path, e.g. " on the HTTP port") and writes it: every refusal a handler makes, on any
/// listener, goes through here.
void refuse_with(core::Metrics& metrics, const Request& req, std::string_view client,
                 std::string_view where, Response& res, const core::Refusal& refusal);

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

/// Wrong API keys: an address that sent more than this many (a minute, after a burst of as
/// many) gets 429 for every key it sends, right or wrong, until it slows down: a guesser
/// learns nothing while locked out, and a short key cannot be found by trying them all.
inline constexpr double kKeyFailuresPerSecond = 10.0 / 60.0;
inline constexpr double kKeyFailureBurst = 10;
inline constexpr std::size_t kKeyFailureAddresses = 10000;

/// GET /summary: distinct questions (hours, channel) answered from the cache at once.
inline constexpr std::size_t kSummaryAnswers = 1024;

struct HttpContext {
  HttpContext(const HttpOptions& s, core::Hub& h, core::Metrics& m, core::Tallies& t,
              core::KeyStore& k, core::Experiment& e)
      : options(s),
        receivers(sources::make_receivers(s.secrets)),
        origins(s.allowed_origins),
        files(s.public_dir),
        hub(h),
        metrics(m),
        tallies(t),
        keys(k),
        experiment(e),
        publisher(h, m, t, s.display_name),
        idempotency(k),
        intake(publisher, k, s.accept_test_events),
        publish_rate(s.max_publish_rate, s.max_publish_rate),
        address_slots(s.max_subscribers_per_ip),
        beacon_rate(kBeaconsPerSecond, kBeaconBurst, kBeaconAddresses),
        bad_signatures(kBadSignaturesPerSecond, kBadSignatureBurst, kBadSignatureAddresses),
        key_failures(kKeyFailuresPerSecond, kKeyFailureBurst, kKeyFailureAddresses) {}

  /// The receiver for /hooks/NAME, or null when that source has no secret here.
  const sources::Receiver* receiver(std::string_view name) const;

  /// True when `key` is the API key; otherwise answers 401 (with WWW-Authenticate) and
  /// returns false. An address locked out for wrong keys (key_failures) gets 429 instead,
  /// whatever key it sent.
  bool authorized(const Request& req, Response& res, std::string_view key);
  /// The same for the key in a header (Authorization: Bearer or X-API-Key).
  bool authorized(const Request& req, Response& res);

  /// Reads the optional `?channel=NAME` into `channel` ("" when absent or empty); answers
  /// 400 and returns false when it is not a valid channel name.
  bool channel_param(const Request& req, Response& res, std::string& channel);

  /// Counts, logs (without personal data) and answers a refusal: the one way every
  /// endpoint refuses.
  void refuse(const Request& req, Response& res, const core::Refusal& refusal);

  // Read-only after start: the settings, and what is built from them alone.
  const HttpOptions& options;
  /// The configured sources; each receiver is pure and const.
  const std::vector<std::unique_ptr<sources::Receiver>> receivers;
  const OriginPolicy origins;
  const StaticFiles files;  ///< reads files on each request; keeps no state
  /// The HTTPS certificate (--tls-cert), for its expiry in /metrics and /healthz; null for
  /// plain HTTP. Set once by HttpServer::bind() before any worker runs; reloads are
  /// thread-safe inside it.
  const net::TlsContext* tls = nullptr;

  // Shared state behind their own locks (or atomics), safe from any worker.
  core::Hub& hub;          ///< history and publishing: its own lock (core/hub.h)
  core::Metrics& metrics;  ///< atomic counters
  core::Tallies&
      tallies;  ///< signups per hour and day, cards shown, clicks, peak pages; locks inside
  core::KeyStore&
      keys;  ///< delivery ids and Idempotency-Keys, shared by every instance; locks inside
  core::Experiment& experiment;     ///< the holdout experiment (core/experiment.h): thread-safe
  core::Publisher publisher;        ///< stateless over the hub, metrics and tallies
  core::Idempotency idempotency;    ///< stateless over `keys`
  sources::Intake intake;           ///< stateless over the publisher and `keys`
  sources::DeliveryLog deliveries;  ///< its own lock
  /// GET /summary's answers, a few seconds each (at most kSummaryAnswers of them); its own lock.
  core::AnswerCache summaries{kSummaryAnswers, std::chrono::seconds(5)};
  RateLimiter publish_rate;           ///< its own lock
  AddressSlots address_slots;         ///< its own lock
  AddressRateLimiter beacon_rate;     ///< its own lock
  AddressRateLimiter bad_signatures;  ///< charged per bad signature, checked before each hook
  AddressRateLimiter key_failures;    ///< charged per wrong API key, checked before each check
  RefusedOrigins refused_origins;     ///< the origins refused lately, for /admin; its own lock
};

/// A uniformly random whole number in [low, high] (reconnect and retry jitter).
int jitter(int low, int high);

/// A wait as Retry-After says it: whole seconds, rounded up, at least 1.
int retry_seconds(std::chrono::milliseconds wait);

}  // namespace proof::http
