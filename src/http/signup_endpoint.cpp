// POST /signup: the original's form body or JSON, the key, Idempotency-Key, the publish
// rate, validation, then the publisher (core/publisher.h).
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "core/history_store.h"
#include "core/shared_log.h"
#include "core/signup.h"
#include "core/text.h"
#include "core/unavailable.h"
#include "http/auth.h"
#include "http/endpoints.h"

namespace proof::http {

namespace {

/// The body's fields, by its media type; a refusal for a type or a body that cannot be read.
core::Outcome<core::Fields> read_fields(const Request& req, const std::string& type) {
  const auto is = [&](std::string_view prefix) { return type.starts_with(prefix); };
  if (is("application/json")) return core::parse_json(req.body());
  if (type.empty() || is("application/x-www-form-urlencoded")) return core::parse_form(req.body());
  if (is("multipart/form-data")) {
    return core::parse_multipart(req.body(), req.header("Content-Type"));
  }
  return core::Refusal{
      415, core::RejectReason::kUnsupportedMediaType,
      "send application/x-www-form-urlencoded, multipart/form-data or application/json"};
}

/// The key from a header, else from the form's api_key field (the original's way).
std::string key_of(const Request& req, const core::Fields& fields) {
  std::string key = key_from_headers(req.header("Authorization"), req.header("X-API-Key"));
  if (key.empty()) {
    if (const auto it = fields.find("api_key"); it != fields.end()) key = it->second;
  }
  return key;
}

/// Idempotency-Key: held from the key check to the answer, so a retried POST publishes
/// once. Without the header it does nothing.
class IdempotentRequest {
 public:
  IdempotentRequest(HttpContext& ctx, std::optional<std::string> key, std::string fingerprint)
      : ctx_(ctx), key_(std::move(key)), fingerprint_(std::move(fingerprint)) {}
  ~IdempotentRequest() {
    if (!key_ || finished_) return;
    try {
      ctx_.idempotency.abandon(*key_);  // refused: a retry is handled afresh
    } catch (const core::KeyStoreError& e) {
      spdlog::warn("could not release an Idempotency-Key ({}); it lapses in {} s", e.what(),
                   core::Idempotency::kPending.count());
    }
  }
  IdempotentRequest(const IdempotentRequest&) = delete;
  IdempotentRequest& operator=(const IdempotentRequest&) = delete;

  /// True when the request is to be handled; false when it has been answered already: an
  /// earlier answer replayed, or a refusal (another body, still in flight, Redis away).
  bool begin(const Request& req, Response& res) {
    if (!key_) return true;
    core::Idempotency::Start start{};
    try {
      start = ctx_.idempotency.begin(*key_, fingerprint_, core::KeyStore::Clock::now());
    } catch (const core::KeyStoreError& e) {
      spdlog::error("could not check an Idempotency-Key: {}", e.what());
      finished_ = true;  // nothing was claimed
      ctx_.refuse(req, res, core::unavailable_refusal(e, "nothing was broadcast"));
      return false;
    }
    using State = core::Idempotency::Start::State;
    if (start.state == State::kFresh) return true;
    finished_ = true;  // the key belongs to the first request
    if (start.state == State::kReplay) {
      res.status = 202;
      res.set_header("Idempotent-Replayed", "true");
      res.set_content(nlohmann::json{{"id", start.id}}.dump() + "\n", kJsonType);
    } else if (start.state == State::kMismatch) {
      ctx_.refuse(req, res,
                  {.status = 422,
                   .reason = core::RejectReason::kConflict,
                   .message = "this Idempotency-Key was used with another body; use a new key "
                              "for a new signup"});
    } else {
      ctx_.refuse(req, res,
                  {.status = 409,
                   .reason = core::RejectReason::kConflict,
                   .message = "a request with this Idempotency-Key is still being handled; "
                              "retry later",
                   .retry_after = 1});
    }
    return false;
  }

  void done(std::uint64_t id) {
    if (!key_) return;
    finished_ = true;
    try {
      ctx_.idempotency.done(*key_, fingerprint_, id, core::KeyStore::Clock::now());
    } catch (const core::KeyStoreError& e) {
      spdlog::warn("published event {} but could not remember its Idempotency-Key: {}", id,
                   e.what());
    }
  }

 private:
  HttpContext& ctx_;
  std::optional<std::string> key_;
  std::string fingerprint_;
  bool finished_ = false;
};

}  // namespace

void handle_signup(HttpContext& ctx, const Request& req, Response& res) {
  const std::string type = core::text::ascii_lower(req.header("Content-Type"));
  core::Outcome<core::Fields> parsed = read_fields(req, type);
  if (const auto* refusal = std::get_if<core::Refusal>(&parsed)) {
    return ctx.refuse(req, res, *refusal);
  }
  const core::Fields& fields = std::get<core::Fields>(parsed);
  if (!ctx.authorized(req, res, key_of(req, fields))) return;

  std::optional<std::string> idempotency_key;
  if (req.has_header("Idempotency-Key")) {
    idempotency_key = req.header_count("Idempotency-Key") == 1
                          ? core::Idempotency::parse_key(req.header("Idempotency-Key"))
                          : std::nullopt;
    if (!idempotency_key) {
      return ctx.refuse(req, res,
                        {400, core::RejectReason::kBadRequest,
                         "Idempotency-Key must be given once, 1 to 255 visible ASCII characters"});
    }
  }
  IdempotentRequest idempotent(ctx, std::move(idempotency_key),
                               core::Idempotency::fingerprint(type, req.body()));
  if (!idempotent.begin(req, res)) return;

  // After the key check, so that strangers cannot use up the publisher's allowance.
  if (const auto wait = ctx.publish_rate.acquire(std::chrono::steady_clock::now())) {
    return ctx.refuse(req, res,
                      {.status = 429,
                       .reason = core::RejectReason::kRateLimited,
                       .message = fmt::format("more than {:g} signups per second; retry later",
                                              ctx.options.max_publish_rate),
                       .retry_after = retry_seconds(*wait)});
  }
  auto validated = core::validate(fields);
  if (const auto* refusal = std::get_if<core::Refusal>(&validated)) {
    return ctx.refuse(req, res, *refusal);
  }
  core::EventPtr event;
  try {
    event = ctx.publisher.publish(std::move(std::get<core::Signup>(validated)), req.client());
  } catch (const core::Unavailable& e) {  // the store, or the shared history in Redis
    spdlog::error("could not publish a signup: {}", e.what());
    return ctx.refuse(req, res, core::unavailable_refusal(e, "nothing was broadcast"));
  }
  idempotent.done(event->id);
  res.status = 202;
  res.set_content(nlohmann::json{{"id", event->id}}.dump() + "\n", kJsonType);
}

}  // namespace proof::http
