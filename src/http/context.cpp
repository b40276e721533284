#include "http/context.h"

#include <spdlog/spdlog.h>

#include <random>

#include "core/log_throttle.h"
#include "core/signup.h"
#include "core/text.h"
#include "http/auth.h"

namespace proof::http {

void write_refusal(Response& res, const core::Refusal& refusal) {
  res.status = refusal.status;
  if (refusal.retry_after > 0) res.set_header("Retry-After", std::to_string(refusal.retry_after));
  if (!refusal.challenge.empty()) res.set_header("WWW-Authenticate", refusal.challenge);
  res.set_content(core::refusal_body(refusal.message), kJsonType);
}

void refuse_with(core::Metrics& metrics, const Request& req, std::string_view client,
                 std::string_view where, Response& res, const core::Refusal& refusal) {
  metrics.rejected(refusal.reason);
  if (std::uint64_t skipped = 0;
      core::refusal_log().allow(std::chrono::steady_clock::now(), skipped)) {
    spdlog::warn("rejected {} {}{} from {}: {} {} ({}){}", core::text::printable(req.method()),
                 core::text::printable(req.path()), where, client, refusal.status,
                 core::reason_label(refusal.reason), core::text::printable(refusal.message),
                 core::skipped_note(skipped));
  }
  write_refusal(res, refusal);
}

void HttpContext::refuse(const Request& req, Response& res, const core::Refusal& refusal) {
  refuse_with(metrics, req, req.client(), "", res, refusal);
}

bool HttpContext::authorized(const Request& req, Response& res, std::string_view key) {
  const auto now = std::chrono::steady_clock::now();
  if (const auto wait = key_failures.spent(req.client(), now)) {
    metrics.key_lockout();
    refuse(req, res,
           {.status = 429,
            .reason = core::RejectReason::kUnauthorized,
            .message = "too many wrong API keys from this address; retry later",
            .retry_after = retry_seconds(*wait)});
    return false;
  }
  if (keys_equal(options.api_key, key)) return true;
  key_failures.acquire(req.client(), now);
  refuse(req, res,
         {.status = 401,
          .reason = core::RejectReason::kUnauthorized,
          .message = key.empty() ? "missing API key; send it as Authorization: Bearer KEY"
                                 : "wrong API key",
          .challenge = "Bearer"});
  return false;
}

bool HttpContext::authorized(const Request& req, Response& res) {
  return authorized(req, res,
                    key_from_headers(req.header("Authorization"), req.header("X-API-Key")));
}

bool HttpContext::channel_param(const Request& req, Response& res, std::string& channel) {
  channel = req.param("channel");
  if (channel.empty() || core::is_valid_channel(channel)) return true;
  channel.clear();
  refuse(req, res,
         {.status = 400,
          .reason = core::RejectReason::kBadRequest,
          .message = "channel must be 1-64 characters of a-z, 0-9, _ and -"});
  return false;
}

const sources::Receiver* HttpContext::receiver(std::string_view name) const {
  for (const auto& r : receivers) {
    if (r->name() == name) return r.get();
  }
  return nullptr;
}

int jitter(int low, int high) {
  // Per thread, to avoid a shared lock.
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int>(low, high)(rng);
}

int retry_seconds(std::chrono::milliseconds wait) {
  return static_cast<int>(
      std::max<long long>(1, std::chrono::ceil<std::chrono::seconds>(wait).count()));
}

}  // namespace proof::http
