// One shape for "refuse this request", used by every layer: the event loop's early
// answers (net/), every endpoint (http/), the operator commands reading an answer (app/).
// A refusal is a status, the reason /metrics counts it under, and one sentence for the
// client, written as the README's API section says: lower case, no final period, what was
// wrong and, after a semicolon, what to do about it where the client can do something.
// The body is always {"error": "that sentence"}; Retry-After and WWW-Authenticate go with
// it where they apply. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace proof::core {

/// Why a request was refused; each is one `reason` label of proof_requests_rejected_total.
enum class RejectReason : std::size_t {
  kUnauthorized,          ///< 401: no key, a wrong key
  kMalformed,             ///< 400: a body that cannot be parsed
  kInvalidField,          ///< 400: a field that breaks a rule
  kTooLarge,              ///< 413, 414, 431
  kUnsupportedMediaType,  ///< 415
  kOrigin,                ///< 403: a page on an origin not allowed
  kSubscriberCap,         ///< 503: streams or connections at their cap
  kBadRequest,            ///< 400 (and 416, 417, 501, 505): the request itself is wrong
  kNotFound,              ///< 404
  kMethod,                ///< 405
  kRateLimited,           ///< 429: a rate per client or in all
  kAddressCap,            ///< 429: one address holds too many connections
  kUnavailable,           ///< 503: the store or Redis cannot take it now
  kTimeout,               ///< 408: the request did not arrive in time
  kBadSignature,          ///< 401 on /hooks: a missing, wrong or stale signature
  kConflict,              ///< 409, 422: an Idempotency-Key in use or reused
  kCount,
};

/// The metric label: "unauthorized", "too_large"...
std::string_view reason_label(RejectReason reason);

struct Refusal {
  int status = 400;
  RejectReason reason = RejectReason::kBadRequest;
  std::string message{};  ///< the sentence: see the comment at the top
  int retry_after = 0;    ///< seconds, sent as Retry-After when above 0
  /// For a 401, the WWW-Authenticate challenge RFC 9110 requires ("Bearer").
  std::string challenge{};
};

/// The reason phrase of a status line: "Bad Request" for 400, "Accepted" for 202.
std::string_view status_phrase(int status);

/// The sentence for a status that came with none (a 404 from the router, a 413 from the
/// body limit): "not found".
std::string_view default_message(int status);

/// The body of every refusal: `{"error":"MESSAGE"}` and a newline. A message quoting what
/// the client sent may hold invalid UTF-8, which is replaced rather than thrown on.
std::string refusal_body(std::string_view message);

/// The message of a body written by refusal_body, or nullopt when `body` is not one.
std::optional<std::string> refusal_message(std::string_view body);

}  // namespace proof::core
