#include "core/refusal.h"

#include <array>
#include <nlohmann/json.hpp>

namespace proof::core {

namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(RejectReason::kCount)> kLabels = {
    "unauthorized", "malformed",      "invalid_field", "too_large", "unsupported_media_type",
    "origin",       "subscriber_cap", "bad_request",   "not_found", "method",
    "rate_limited", "address_cap",    "unavailable",   "timeout",   "bad_signature",
    "conflict",
};

struct StatusText {
  int status;
  std::string_view phrase;   ///< RFC 9110's reason phrase
  std::string_view message;  ///< what a client is told when nothing more was said
};

constexpr StatusText kStatuses[] = {
    {200, "OK", ""},
    {202, "Accepted", ""},
    {204, "No Content", ""},
    {206, "Partial Content", ""},
    {304, "Not Modified", ""},
    {308, "Permanent Redirect", ""},
    {400, "Bad Request", "bad request"},
    {401, "Unauthorized", "not authorized"},
    {403, "Forbidden", "forbidden"},
    {404, "Not Found", "not found"},
    {405, "Method Not Allowed", "method not allowed"},
    {408, "Request Timeout", "the request did not arrive in time"},
    {409, "Conflict", "conflict"},
    {413, "Payload Too Large", "request body too large"},
    {414, "URI Too Long", "URI too long"},
    {415, "Unsupported Media Type", "unsupported media type"},
    {416, "Range Not Satisfiable", "range not satisfiable"},
    {417, "Expectation Failed", "expectation failed"},
    {422, "Unprocessable Entity", "unprocessable content"},
    {429, "Too Many Requests", "too many requests"},
    {431, "Request Header Fields Too Large", "request headers too large"},
    {500, "Internal Server Error", "internal error"},
    {501, "Not Implemented", "not implemented"},
    {503, "Service Unavailable", "service unavailable; retry later"},
    {505, "HTTP Version Not Supported", "HTTP version not supported"},
};

const StatusText* find_status(int status) {
  for (const StatusText& s : kStatuses) {
    if (s.status == status) return &s;
  }
  return nullptr;
}

}  // namespace

std::string_view reason_label(RejectReason reason) {
  return kLabels.at(static_cast<std::size_t>(reason));
}

std::string_view status_phrase(int status) {
  const StatusText* s = find_status(status);
  if (s) return s->phrase;
  return status >= 500 ? "Server Error" : status >= 400 ? "Error" : "OK";
}

std::string_view default_message(int status) {
  const StatusText* s = find_status(status);
  return s ? s->message : (status >= 500 ? "server error" : "request refused");
}

std::string refusal_body(std::string_view message) {
  return nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                 nlohmann::json::error_handler_t::replace) +
         "\n";
}

std::optional<std::string> refusal_message(std::string_view body) {
  const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  const auto it = doc.find("error");
  if (it == doc.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace proof::core
