#include "http/context.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <random>

#include "core/log_throttle.h"
#include "core/signup.h"
#include "core/text.h"
#include "http/auth.h"

namespace proof {

void set_json_error(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(
                      -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                      "\n",
                  kJsonType);
}

std::string_view default_message(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 413:
      return "request body too large";
    case 414:
      return "URI too long";
    case 416:
      return "range not satisfiable";
    case 417:
      return "expectation failed";
    case 429:
      return "too many requests";
    case 431:
      return "request headers too large";
    default:
      return status >= 500 ? "server error" : "request refused";
  }
}

void HttpContext::refuse(const httplib::Request& req, httplib::Response& res,
                         const Refusal& refusal) {
  metrics.rejected(refusal.reason);
  if (std::uint64_t skipped = 0; refusal_log().allow(std::chrono::steady_clock::now(), skipped)) {
    spdlog::warn("rejected {} {} from {}: {} {} ({}){}", text::printable(req.method),
                 text::printable(req.path), req.remote_addr, refusal.status,
                 reason_label(refusal.reason), text::printable(refusal.message),
                 skipped_note(skipped));
  }
  set_json_error(res, refusal.status, refusal.message);
}

bool HttpContext::authorized(const httplib::Request& req, httplib::Response& res) {
  const std::string key =
      key_from_headers(req.get_header_value("Authorization"), req.get_header_value("X-API-Key"));
  if (keys_equal(settings.api_key, key)) return true;
  res.set_header("WWW-Authenticate", "Bearer");
  refuse(req, res,
         {401, RejectReason::kUnauthorized, key.empty() ? "missing API key" : "wrong API key"});
  return false;
}

bool HttpContext::channel_param(const httplib::Request& req, httplib::Response& res,
                                std::string& channel) {
  if (!req.has_param("channel")) return true;
  channel = req.get_param_value("channel");
  if (is_valid_channel(channel)) return true;
  channel.clear();
  refuse(req, res,
         {400, RejectReason::kBadRequest, "channel must be 1-64 characters of a-z, 0-9, _ and -"});
  return false;
}

int jitter(int low, int high) {
  // Per thread, to avoid a shared lock.
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int>(low, high)(rng);
}

}  // namespace proof
