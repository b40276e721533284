#include "net/request_head.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "core/encoding.h"

namespace proof::net {
namespace {

/// tchar from RFC 9110 §5.6.2: the characters of methods, header names and codings.
constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}
constexpr std::array<bool, 256> kToken = make_token_table();

bool is_token_char(char c) {
  return kToken[static_cast<unsigned char>(c)];
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

/// Control characters other than HTAB, and DEL: never part of a field value (RFC 9110 §5.5).
bool is_forbidden_in_value(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Case-insensitive equality with a lowercase literal.
bool iequals(std::string_view s, std::string_view lowercase) {
  if (s.size() != lowercase.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (lower(s[i]) != lowercase[i]) return false;
  }
  return true;
}

HeadError error(int status, const char* message) {
  return HeadError{status, message};
}

/// The 413 of a body over `limit`, in the words of the HTTP layer's own 413.
HeadError body_too_large(std::size_t limit) {
  return HeadError{413, "request body too large (limit " + std::to_string(limit) + " bytes)"};
}

/// Calls `each` with every comma-separated element of a list value, OWS trimmed (empty
/// elements included, so a caller can refuse them).
template <typename Each>
void for_each_element(std::string_view value, Each&& each) {
  while (true) {
    const std::size_t comma = value.find(',');
    each(trim_ows(value.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

using Fields = detail::HeadFields;

/// Content-Length: one value of digits only. Returns the refusal, if any.
std::optional<HeadError> read_content_length(std::string_view value, std::size_t max_body,
                                             Fields& fields) {
  if (fields.has_content_length) {
    return error(400, "the request has more than one Content-Length header");
  }
  if (fields.has_transfer_encoding) {
    return error(400, "the request has both Content-Length and Transfer-Encoding");
  }
  if (value.empty()) return error(400, "the Content-Length header is empty");
  std::size_t length = 0;
  bool too_large = false;
  for (const char c : value) {
    if (c < '0' || c > '9') {
      return error(400, "the Content-Length header must be a single number of digits only");
    }
    // Saturate instead of overflowing: any value past the limit is refused alike, but only
    // once the whole value is known to be digits (a comma list is a 400, not a 413).
    const auto digit = static_cast<std::size_t>(c - '0');
    if (length > (std::numeric_limits<std::size_t>::max() - digit) / 10) {
      too_large = true;
    } else {
      length = length * 10 + digit;
    }
  }
  if (too_large || length > max_body) return body_too_large(max_body);
  fields.has_content_length = true;
  fields.content_length = length;
  return std::nullopt;
}

/// Transfer-Encoding: only `chunked`, once, and only in HTTP/1.1.
std::optional<HeadError> read_transfer_encoding(std::string_view value, int minor_version,
                                                Fields& fields) {
  if (minor_version == 0) {
    return error(400, "transfer-Encoding is not allowed in an HTTP/1.0 request");
  }
  if (fields.has_content_length) {
    return error(400, "the request has both Content-Length and Transfer-Encoding");
  }
  fields.has_transfer_encoding = true;
  std::optional<HeadError> refusal;
  for_each_element(value, [&](std::string_view element) {
    if (refusal) return;
    const std::size_t semicolon = element.find(';');
    const std::string_view coding = trim_ows(element.substr(0, semicolon));
    if (!is_token(coding)) {
      refusal = error(400, "the Transfer-Encoding header is malformed");
    } else if (iequals(coding, "chunked") && semicolon == std::string_view::npos) {
      if (fields.chunked) {
        refusal = error(400, "the request applies the chunked transfer coding twice");
      }
      fields.chunked = true;
    } else if (iequals(coding, "chunked")) {
      refusal = error(400, "the chunked transfer coding takes no parameters");
    } else {
      refusal = error(501, "the only transfer coding the server accepts is chunked");
    }
  });
  return refusal;
}

/// Content-Encoding: any coding but identity marks the body as one that would have to be
/// inflated, which the head's end refuses (if there is a body).
void read_content_encoding(std::string_view value, Fields& fields) {
  for_each_element(value, [&](std::string_view coding) {
    if (!coding.empty() && !iequals(coding, "identity")) fields.content_encoded = true;
  });
}

/// Reads one header line (without its CRLF) into `fields`. Returns the refusal, if any.
std::optional<HeadError> read_field(std::string_view line, int minor_version,
                                    const HeadLimits& limits, std::size_t max_body,
                                    Fields& fields) {
  if (is_ows(line.front())) {
    return error(400, "a header line starts with whitespace (obsolete line folding)");
  }
  if (++fields.count > limits.max_headers) {
    return error(431, "the request has too many header fields");
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return error(400, "a header line has no colon");
  const std::string_view name = line.substr(0, colon);
  if (!is_token(name)) {
    if (name.empty()) return error(400, "a header line has an empty name");
    if (is_ows(name.back())) {
      return error(400, "a header name is followed by whitespace before its colon");
    }
    return error(400, "a header name has characters not allowed in a name");
  }
  const std::string_view raw_value = line.substr(colon + 1);
  for (const char c : raw_value) {
    if (c == '\0') return error(400, "a header value contains a NUL character");
    if (c == '\r') return error(400, "a header value contains a bare CR");
    if (is_forbidden_in_value(c)) {
      return error(400, "a header value contains a control character");
    }
  }
  const std::string_view value = trim_ows(raw_value);
  fields.headers.push_back({std::string(name), std::string(value)});

  switch (lower(name.front())) {  // one comparison for most names
    case 'h':
      if (iequals(name, "host")) {
        if (++fields.hosts > 1) return error(400, "the request has more than one Host header");
        for (const char c : value) {
          if (is_ows(c)) return error(400, "the Host header is malformed");
        }
      }
      break;
    case 'c':
      if (iequals(name, "content-length")) {
        return read_content_length(value, max_body, fields);
      }
      if (iequals(name, "content-encoding")) {
        read_content_encoding(value, fields);
        break;
      }
      if (iequals(name, "connection")) {
        for_each_element(value, [&](std::string_view option) {
          if (iequals(option, "close")) fields.connection_close = true;
          if (iequals(option, "keep-alive")) fields.connection_keep_alive = true;
        });
      }
      break;
    case 't':
      if (iequals(name, "transfer-encoding")) {
        return read_transfer_encoding(value, minor_version, fields);
      }
      break;
    case 'e':
      if (iequals(name, "expect")) {
        if (!iequals(value, "100-continue")) {
          return error(417, "the only expectation the server meets is 100-continue");
        }
        // RFC 9110 §10.1.1: a server ignores 100-continue from an HTTP/1.0 client.
        fields.expect_continue = minor_version == 1;
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

struct RequestLine {
  std::string_view method;
  std::string_view target;
  int minor_version = 1;
};

std::variant<RequestLine, HeadError> read_request_line(std::string_view line) {
  const std::size_t first = line.find(' ');
  if (first == std::string_view::npos) {
    return error(400, "the request line is not METHOD TARGET HTTP-VERSION");
  }
  const std::size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos) {
    return error(400, "the request line is not METHOD TARGET HTTP-VERSION");
  }
  RequestLine parsed;
  parsed.method = line.substr(0, first);
  parsed.target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (!is_token(parsed.method)) return error(400, "the request method is not a valid token");
  if (parsed.target.empty()) return error(400, "the request target is empty");
  for (const char c : parsed.target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return error(400, "the request target contains whitespace or a control character");
    }
  }
  const bool well_formed = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                           version[5] >= '0' && version[5] <= '9' && version[6] == '.' &&
                           version[7] >= '0' && version[7] <= '9';
  if (!well_formed) return error(400, "the request line does not end with an HTTP version");
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return error(505, "the server speaks HTTP/1.0 and HTTP/1.1 only");
  }
  parsed.minor_version = version[7] - '0';
  return parsed;
}

}  // namespace

HeadResult parse_request_head(std::string_view buffer, const HeadLimits& limits) {
  RequestHeadParser parser(limits);
  return parser.parse(buffer);
}

RequestHeadParser::RequestHeadParser(const HeadLimits& limits) : limits_(limits) {}

std::string_view RequestHeadParser::target(std::string_view buffer) const {
  if (!request_line_done_ || target_at_ + target_size_ > buffer.size()) return {};
  return buffer.substr(target_at_, target_size_);
}

HeadResult RequestHeadParser::parse(std::string_view buffer) {
  if (finished_) return *finished_;
  HeadResult result = resume(buffer);
  if (!std::holds_alternative<std::monostate>(result)) finished_ = result;
  return result;
}

HeadResult RequestHeadParser::resume(std::string_view buffer) {
  constexpr std::size_t kMaxLeadingBlankLines = 4;
  // Only the first max_head_bytes can hold a head we accept; nothing past it is looked at.
  const std::size_t window = std::min(buffer.size(), limits_.max_head_bytes);
  const char* const data = buffer.data();
  // Out of bytes inside the window: wait for more, unless the window is already full, in
  // which case the head (or its request line) is certainly longer than allowed.
  const auto incomplete = [&]() -> HeadResult {
    if (buffer.size() < limits_.max_head_bytes) return std::monostate{};
    if (!request_line_done_) {
      return error(414, "the request line is longer than the server accepts");
    }
    return error(431, "the request head is larger than the server accepts");
  };

  if (!request_line_done_) {
    // RFC 9112 §2.2: empty lines before the request line are ignored; a few, not a head's
    // worth (a caller parsing afresh at each line end would pay for all of them each time).
    while (pos_ < window && (data[pos_] == '\r' || data[pos_] == '\n')) {
      if (data[pos_] == '\n') return error(400, "a line ends with a bare LF instead of CRLF");
      if (pos_ == 2 * kMaxLeadingBlankLines) {
        return error(400, "the request starts with too many empty lines");
      }
      if (pos_ + 1 >= window) return incomplete();
      if (data[pos_ + 1] != '\n') return error(400, "the request contains a bare CR");
      pos_ += 2;
    }
  }

  while (true) {
    const void* found = pos_ < window ? std::memchr(data + pos_, '\n', window - pos_) : nullptr;
    if (found == nullptr) return incomplete();
    const auto newline = static_cast<std::size_t>(static_cast<const char*>(found) - data);
    if (newline == pos_ || data[newline - 1] != '\r') {
      return error(400, "a line ends with a bare LF instead of CRLF");
    }
    const std::size_t line_start = pos_;
    const std::string_view line(data + pos_, newline - 1 - pos_);
    pos_ = newline + 1;

    if (!request_line_done_) {
      auto parsed = read_request_line(line);
      if (auto* refusal = std::get_if<HeadError>(&parsed)) return std::move(*refusal);
      const auto& request_line = std::get<RequestLine>(parsed);
      // Offsets, not views: the caller's buffer may move as it grows.
      leading_blank_bytes_ = line_start;
      method_at_ = static_cast<std::size_t>(request_line.method.data() - data);
      method_size_ = request_line.method.size();
      target_at_ = static_cast<std::size_t>(request_line.target.data() - data);
      target_size_ = request_line.target.size();
      minor_version_ = request_line.minor_version;
      policy_ = limits_.policy_for(request_line.method, request_line.target);
      request_line_done_ = true;
      continue;
    }
    if (line.empty()) break;  // the blank line: the head is complete
    if (auto refusal = read_field(line, minor_version_, limits_, policy_.max_body_bytes, fields_)) {
      return std::move(*refusal);
    }
  }

  if (minor_version_ == 1 && fields_.hosts == 0) {
    return error(400, "an HTTP/1.1 request must have a Host header");
  }
  if (fields_.content_encoded && (fields_.chunked || fields_.content_length > 0)) {
    return error(415,
                 "compressed request bodies are not accepted; send the body without "
                 "Content-Encoding");
  }
  RequestHead head;
  head.method = std::string(buffer.substr(method_at_, method_size_));
  head.target = std::string(buffer.substr(target_at_, target_size_));
  head.minor_version = minor_version_;
  head.keep_alive = minor_version_ == 1
                        ? !fields_.connection_close
                        : fields_.connection_keep_alive && !fields_.connection_close;
  head.chunked = fields_.chunked;
  head.content_length = fields_.content_length;
  head.max_body_bytes = policy_.max_body_bytes;
  head.lane = policy_.lane;
  head.expect_continue = fields_.expect_continue;
  head.head_bytes = pos_;
  head.leading_blank_bytes = leading_blank_bytes_;
  head.headers = std::move(fields_.headers);
  return head;
}

ChunkedBodyScanner::ChunkedBodyScanner(std::size_t max_body_bytes)
    : max_body_bytes_(max_body_bytes),
      max_framing_bytes_(std::max<std::size_t>(max_body_bytes, 4096)) {}

bool ChunkedBodyScanner::fail(HeadError error) {
  state_ = State::error;
  error_ = std::move(error);
  return false;
}

bool ChunkedBodyScanner::fail(int status, const char* message) {
  return fail(HeadError{status, message});
}

std::size_t ChunkedBodyScanner::feed(std::string_view data) {
  std::size_t i = 0;
  while (i < data.size() && state_ == State::need_more) {
    if (step_ == Step::data) {  // the bulk of the bytes: skipped, not looked at
      const std::size_t n = std::min(chunk_left_, data.size() - i);
      chunk_left_ -= n;
      data_bytes_ += n;
      i += n;
      if (chunk_left_ == 0) step_ = Step::data_cr;
      continue;
    }
    if (!framing(data[i])) return i;
    ++i;
    if (++framing_bytes_ > max_framing_bytes_) {
      fail(413, "the chunked body has more framing than the server accepts");
      return i;
    }
  }
  return i;
}

bool ChunkedBodyScanner::framing(char c) {
  switch (step_) {
    case Step::size:
      return size_line(c);
    case Step::extension:
      if (c == '\r') {
        step_ = Step::size_lf;
      } else if (is_forbidden_in_value(c)) {
        return fail(400, "a chunk extension contains a control character or a bare LF");
      }
      return true;
    case Step::size_lf:
      if (c != '\n') return fail(400, "a chunk size line does not end with CRLF");
      size_digits_ = 0;
      step_ = chunk_left_ == 0 ? Step::trailer_start : Step::data;
      return true;
    case Step::data_cr:
      if (c != '\r') return fail(400, "chunk data is longer than its size, or lacks its CRLF");
      step_ = Step::data_lf;
      return true;
    case Step::data_lf:
      if (c != '\n') return fail(400, "chunk data is not followed by CRLF");
      step_ = Step::size;
      return true;
    case Step::trailer_start:
    case Step::trailer_line:
      return trailer_line(c);
    case Step::trailer_lf:
      if (c != '\n') return fail(400, "a trailer line does not end with CRLF");
      step_ = Step::trailer_start;
      return true;
    case Step::final_lf:
      if (c != '\n') return fail(400, "the chunked body does not end with CRLF");
      state_ = State::done;
      return true;
    case Step::data:
      break;  // feed() skips data without looking at it
  }
  return true;
}

bool ChunkedBodyScanner::size_line(char c) {
  const int digit = core::hex_digit(c);
  if (digit >= 0) {
    const auto d = static_cast<std::size_t>(digit);
    // The size is certain to be too large as soon as its digits so far say so.
    const std::size_t room = max_body_bytes_ - data_bytes_;
    if (d > room || chunk_left_ > (room - d) / 16) return fail(body_too_large(max_body_bytes_));
    chunk_left_ = chunk_left_ * 16 + d;
    ++size_digits_;
    return true;
  }
  if (size_digits_ == 0) return fail(400, "a chunk size is not a hexadecimal number");
  if (c == ';' || is_ows(c)) {
    step_ = Step::extension;
  } else if (c == '\r') {
    step_ = Step::size_lf;
  } else {
    return fail(400, "a chunk size is not a hexadecimal number");
  }
  return true;
}

bool ChunkedBodyScanner::trailer_line(char c) {
  if (step_ == Step::trailer_start) {
    if (c == '\r') {
      step_ = Step::final_lf;
      return true;
    }
    if (!is_token_char(c)) return fail(400, "a trailer line is malformed");
    saw_colon_ = false;
    step_ = Step::trailer_line;
    return true;
  }
  if (c == '\r') {
    if (!saw_colon_) return fail(400, "a trailer line has no colon");
    step_ = Step::trailer_lf;
  } else if (!saw_colon_ && c == ':') {
    saw_colon_ = true;
  } else if (saw_colon_ ? is_forbidden_in_value(c) : !is_token_char(c)) {
    return fail(400, "a trailer line is malformed");
  }
  return true;
}

std::string decode_chunked(std::string_view framed) {
  std::string data;
  while (!framed.empty()) {
    // A size line: hex digits, then an optional extension up to its CRLF.
    std::size_t size = 0;
    std::size_t i = 0;
    for (; i < framed.size(); ++i) {
      const int digit = core::hex_digit(framed[i]);
      if (digit < 0) break;
      size = size * 16 + static_cast<std::size_t>(digit);
    }
    const std::size_t line_end = framed.find("\r\n", i);
    if (size == 0 || line_end == std::string_view::npos) break;  // the last chunk, or the end
    framed.remove_prefix(line_end + 2);
    const std::size_t n = std::min(size, framed.size());
    data.append(framed.substr(0, n));
    framed.remove_prefix(std::min(framed.size(), n + 2));  // the chunk and its CRLF
  }
  return data;
}

BodyReader::BodyReader(const RequestHead& head)
    : head_bytes_(head.head_bytes), content_length_(head.content_length) {
  if (head.chunked) chunked_.emplace(head.max_body_bytes);
}

BodyReader::State BodyReader::read(std::string_view request) {
  if (state_ != State::need_more) return state_;
  if (!chunked_) {
    if (request.size() < head_bytes_ + content_length_) return state_;
    total_ = head_bytes_ + content_length_;
    return state_ = State::done;
  }
  const std::size_t start = head_bytes_ + scanned_;
  if (request.size() > start) scanned_ += chunked_->feed(request.substr(start));
  switch (chunked_->state()) {
    case ChunkedBodyScanner::State::need_more:
      break;
    case ChunkedBodyScanner::State::done:
      total_ = head_bytes_ + scanned_;
      state_ = State::done;
      break;
    case ChunkedBodyScanner::State::error:
      state_ = State::error;
      break;
  }
  return state_;
}

}  // namespace proof::net
