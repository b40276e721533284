#include "stream_parser.h"

#include <algorithm>
#include <cctype>

namespace loadgen {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::optional<std::uint64_t> parse_hex(std::string_view s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : s) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = value * 16 + static_cast<std::uint64_t>(digit);
  }
  return value;
}

}  // namespace

std::optional<ResponseHead> parse_head(std::string_view head) {
  ResponseHead out;
  std::size_t eol = head.find('\n');
  const std::string_view status_line = trim(head.substr(0, eol));
  if (status_line.substr(0, 5) != "HTTP/") return std::nullopt;
  const std::size_t sp = status_line.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  const auto code = parse_decimal(status_line.substr(sp + 1, 3));
  if (!code) return std::nullopt;
  out.status = static_cast<int>(*code);
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 1);
    eol = head.find('\n');
    const std::string_view line = trim(head.substr(0, eol));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Transfer-Encoding")) {
      out.chunked = icontains(value, "chunked");
    } else if (iequals(name, "Content-Length")) {
      out.content_length = parse_decimal(value);
      if (!out.content_length) return std::nullopt;
    } else if (iequals(name, "Connection")) {
      out.connection_close = icontains(value, "close");
    }
  }
  return out;
}

void BodyDecoder::reset(const ResponseHead& head) {
  line_.clear();
  chunk_left_ = 0;
  identity_left_.reset();
  if (head.chunked) {
    state_ = State::kSize;
  } else {
    identity_left_ = head.content_length;
    state_ = identity_left_ && *identity_left_ == 0 ? State::kDone : State::kIdentity;
  }
}

std::size_t BodyDecoder::feed(std::string_view bytes, const Sink& sink) {
  const std::size_t total = bytes.size();
  while (!bytes.empty()) {
    switch (state_) {
      case State::kDone:
      case State::kError:
        return total - bytes.size();
      case State::kIdentity: {
        std::size_t take = bytes.size();
        if (identity_left_) {
          take = static_cast<std::size_t>(std::min<std::uint64_t>(take, *identity_left_));
        }
        sink(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (identity_left_) {
          *identity_left_ -= take;
          if (*identity_left_ == 0) state_ = State::kDone;
        }
        break;
      }
      case State::kSize:
      case State::kTrailer: {
        const std::size_t lf = bytes.find('\n');
        if (lf == std::string_view::npos) {
          line_.append(bytes);
          bytes = {};
          if (line_.size() > 4096) state_ = State::kError;
          break;
        }
        line_.append(bytes.substr(0, lf));
        bytes.remove_prefix(lf + 1);
        std::string_view text = trim(line_);
        if (state_ == State::kTrailer) {
          if (text.empty()) state_ = State::kDone;  // else: a trailer field, ignored
        } else {
          text = trim(text.substr(0, text.find(';')));  // drop chunk extensions
          const auto size = parse_hex(text);
          if (!size) {
            state_ = State::kError;
          } else if (*size == 0) {
            state_ = State::kTrailer;
          } else {
            chunk_left_ = *size;
            state_ = State::kData;
          }
        }
        line_.clear();
        break;
      }
      case State::kData: {
        const auto take =
            static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), chunk_left_));
        sink(bytes.substr(0, take));
        bytes.remove_prefix(take);
        chunk_left_ -= take;
        if (chunk_left_ == 0) state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd: {
        // The CRLF after a chunk's data: reuse the line reader, which must see an empty line.
        const std::size_t lf = bytes.find('\n');
        if (lf == std::string_view::npos) {
          line_.append(bytes);
          bytes = {};
          if (line_.size() > 2) state_ = State::kError;
          break;
        }
        line_.append(bytes.substr(0, lf));
        bytes.remove_prefix(lf + 1);
        state_ = trim(line_).empty() ? State::kSize : State::kError;
        line_.clear();
        break;
      }
    }
  }
  return total;
}

void SseParser::feed(std::string_view bytes, const Handler& on_event) {
  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const std::size_t end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      line_.append(bytes);
      return;
    }
    if (line_.empty()) {
      line(bytes.substr(0, end), on_event);
    } else {
      line_.append(bytes.substr(0, end));
      line(line_, on_event);
      line_.clear();
    }
    after_cr_ = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
  }
}

void SseParser::line(std::string_view text, const Handler& on_event) {
  if (text.empty()) {
    if (has_data_) on_event(SseEvent{event_, data_});
    data_.clear();
    event_.clear();
    has_data_ = false;
    return;
  }
  if (text.front() == ':') {
    ++comments_;
    return;
  }
  const std::size_t colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) data_ += '\n';
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    // As a browser keeps it for Last-Event-ID: set by the field, even before the event is
    // dispatched; an id holding NUL is ignored.
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  } else if (field == "retry") {
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos &&
        value.size() < 10) {
      retry_ms_ = std::stoi(std::string(value));
    }
  }
  // Unknown fields are ignored, as the spec says.
}

std::string format_stamp(std::string_view marker, const Stamp& stamp) {
  std::string out(marker);
  out += std::to_string(stamp.seq);
  out += '.';
  out += std::to_string(stamp.sent_ns);
  return out;
}

std::optional<Stamp> find_stamp(std::string_view text, std::string_view marker) {
  std::size_t at = 0;
  while ((at = text.find(marker, at)) != std::string_view::npos) {
    std::string_view rest = text.substr(at + marker.size());
    at += 1;
    const std::size_t dot = rest.find_first_not_of("0123456789");
    if (dot == 0 || dot == std::string_view::npos || rest[dot] != '.') continue;
    const auto seq = parse_decimal(rest.substr(0, dot));
    rest.remove_prefix(dot + 1);
    std::size_t end = rest.find_first_not_of("0123456789");
    if (end == std::string_view::npos) end = rest.size();
    const auto ns = parse_decimal(rest.substr(0, end));
    if (!seq || !ns) continue;
    return Stamp{*seq, static_cast<std::int64_t>(*ns)};
  }
  return std::nullopt;
}

}  // namespace loadgen
