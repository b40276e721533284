#include "http/response.h"

#include "core/refusal.h"
#include "core/text.h"

namespace proof::http {

void Response::set_header(std::string_view name, std::string value) {
  for (auto& [key, existing] : headers) {
    if (core::text::iequals(key, name)) {
      existing = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::move(value));
}

void Response::remove_header(std::string_view name) {
  std::erase_if(headers, [name](const auto& h) { return core::text::iequals(h.first, name); });
}

std::string_view Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (core::text::iequals(key, name)) return value;
  }
  return {};
}

void Response::set_content(std::string content, std::string_view type) {
  body = std::move(content);
  set_header("Content-Type", std::string(type));
}

std::string response_bytes(const Response& res, const Framing& framing) {
  std::string out;
  out.reserve(256 + (framing.head_only ? 0 : res.body.size()));
  out.append("HTTP/1.1 ")
      .append(std::to_string(res.status))
      .append(" ")
      .append(core::status_phrase(res.status))
      .append("\r\n");
  for (const auto& [name, value] : res.headers) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!res.body.empty() && res.header("Content-Type").empty()) {
    out.append("Content-Type: text/plain\r\n");
  }
  // RFC 9110 8.6: no Content-Length on a 1xx or 204; on a 304 it would describe the 200.
  const bool bodiless = res.status < 200 || res.status == 204 || res.status == 304;
  if (!bodiless && res.header("Content-Length").empty()) {
    out.append("Content-Length: ").append(std::to_string(res.body.size())).append("\r\n");
  }
  if (framing.hsts) out.append("Strict-Transport-Security: max-age=31536000\r\n");
  if (framing.close) {
    out.append("Connection: close\r\n");
  } else if (framing.http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (!framing.head_only && !bodiless) out.append(res.body);
  return out;
}

}  // namespace proof::http
