#include "core/sse.h"

#include <algorithm>
#include <limits>

namespace proof::core::sse {

namespace {

/// The `event:` line and the `data:` lines that end a block.
void append_fields(std::string& out, std::string_view event, std::string_view data) {
  out += "event: ";
  out += event;
  out += '\n';
  // A CR, LF or CRLF ends a line in SSE; each becomes a fresh "data:" line.
  std::size_t start = 0;
  for (std::size_t i = 0; i <= data.size(); ++i) {
    if (i < data.size() && data[i] != '\n' && data[i] != '\r') continue;
    out += "data: ";
    out += data.substr(start, i - start);
    out += '\n';
    if (i + 1 < data.size() && data[i] == '\r' && data[i + 1] == '\n') ++i;
    start = i + 1;
  }
  out += '\n';
}

}  // namespace

std::string format_event(std::uint64_t id, std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(data.size() + event.size() + 48);
  out += "id: ";
  out += std::to_string(id);
  out += '\n';
  append_fields(out, event, data);
  return out;
}

std::string format_notice(std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(data.size() + event.size() + 24);
  append_fields(out, event, data);
  return out;
}

std::string format_retry(std::chrono::milliseconds delay) {
  return "retry: " + std::to_string(delay.count()) + "\n\n";
}

std::string_view heartbeat() {
  return ": heartbeat\n\n";
}

std::optional<std::uint64_t> parse_event_id(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<std::size_t> parse_count(std::string_view s, std::size_t max) {
  if (s.empty()) return std::nullopt;
  std::size_t value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    // Saturate at max: a huge count means "all you have", not junk.
    const auto digit = static_cast<std::size_t>(c - '0');
    // value * 10 + digit <= max exactly when this holds; checked so it never wraps.
    value = digit > max || value > (max - digit) / 10 ? max : value * 10 + digit;
  }
  return value;
}

}  // namespace proof::core::sse
