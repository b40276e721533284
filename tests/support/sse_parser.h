// A small Server-Sent Events parser that follows the WHATWG "interpret an event stream"
// steps, so tests judge framing the way a browser's EventSource would. Shared by the unit
// tests and the fuzz targets' oracles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proof::test {

struct ParsedEvent {
  std::string id;     ///< last event id at dispatch time
  std::string event;  ///< "message" when no event: field was given
  std::string data;
};

struct ParsedStream {
  std::vector<ParsedEvent> events;
  std::vector<std::string> comments;
  std::optional<std::string> retry;
  std::size_t id_fields = 0;     ///< how many id: lines were seen
  std::size_t event_fields = 0;  ///< how many event: lines were seen
  std::size_t other_fields = 0;  ///< lines naming any other field (ignored by browsers)
  std::size_t blank_lines = 0;   ///< how many event blocks ended (dispatched or not)
  bool unterminated = false;     ///< bytes left after the last line break
};

inline ParsedStream parse_sse(std::string_view stream) {
  ParsedStream out;
  std::string last_id, event_type, data;
  bool have_data = false;
  std::size_t i = 0;
  while (i < stream.size()) {
    const std::size_t end = stream.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      out.unterminated = true;
      break;
    }
    const std::string_view line = stream.substr(i, end - i);
    i = end + 1;
    if (stream[end] == '\r' && i < stream.size() && stream[i] == '\n') ++i;

    if (line.empty()) {
      ++out.blank_lines;
      if (have_data) {
        if (!data.empty() && data.back() == '\n') data.pop_back();
        out.events.push_back({last_id, event_type.empty() ? "message" : event_type, data});
      }
      data.clear();
      event_type.clear();
      have_data = false;
      continue;
    }
    if (line.front() == ':') {
      out.comments.emplace_back(line.substr(1));
      continue;
    }
    const std::size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      data.append(value);
      data.push_back('\n');
      have_data = true;
    } else if (field == "event") {
      ++out.event_fields;
      event_type = value;
    } else if (field == "id") {
      ++out.id_fields;
      if (value.find('\0') == std::string_view::npos) last_id = value;  // per the spec
    } else if (field == "retry") {
      out.retry = std::string(value);
    } else {
      ++out.other_fields;
    }
  }
  return out;
}

}  // namespace proof::test
