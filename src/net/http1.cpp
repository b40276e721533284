#include "net/http1.h"

#include <cstdio>

namespace proof::net {

std::string refusal_bytes(const core::Refusal& refusal) {
  const std::string body = core::refusal_body(refusal.message);
  std::string out =
      "HTTP/1.1 " + std::to_string(refusal.status) + " " +
      std::string(core::status_phrase(refusal.status)) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n";
  if (refusal.retry_after > 0) {
    out += "Retry-After: " + std::to_string(refusal.retry_after) + "\r\n";
  }
  out += "\r\n" + body;
  return out;
}

std::string stream_head(const StreamOpening& opening, bool http10, bool hsts) {
  std::string head = "HTTP/1.1 200 OK\r\n";
  for (const auto& [name, value] : opening.headers) {
    if (name == "Content-Length" || name == "Connection" || name == "Keep-Alive" ||
        name == "Transfer-Encoding") {
      continue;
    }
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (hsts) head += "Strict-Transport-Security: max-age=31536000\r\n";
  head += http10 ? "Connection: close\r\n\r\n" : "Transfer-Encoding: chunked\r\n\r\n";
  return head;
}

ChunkHead::ChunkHead(std::size_t size) {
  const int n = std::snprintf(text_.data(), text_.size(), "%zx\r\n", size);
  size_ = n > 0 ? static_cast<std::size_t>(n) : 0;
}

void frame(std::vector<std::string_view>& pieces, bool chunked, const ChunkHead& head,
           std::string_view body) {
  if (!chunked) {
    pieces.push_back(body);
    return;
  }
  pieces.push_back(head.view());
  pieces.push_back(body);
  pieces.push_back("\r\n");
}

}  // namespace proof::net
