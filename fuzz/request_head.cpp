// libFuzzer target: the strict request-head reader and chunked-body scanner the event loop
// runs on every byte a client sends (src/net/request_head.h). Checked, for the default
// limits and for tiny ones:
//  - no crash, no sanitizer report, every refusal one of the documented statuses;
//  - a parsed head ends inside the buffer and within max_head_bytes, with CRLF CRLF, and
//    restated independently from RFC 9112: a request line of three parts ending in
//    HTTP/1.0 or HTTP/1.1, no NUL, bare CR or bare LF in the head, no line starting with
//    whitespace, at most max_headers header lines, exactly one Host in HTTP/1.1, at most one
//    Content-Length whose digits are content_length, chunked iff Transfer-Encoding is there;
//  - a result on a prefix never contradicts the result on the whole buffer: a prefix may
//    only ask for more (monostate) or give the very same head or refusal;
//  - RequestHeadParser, fed the buffer in two pieces, answers as parse_request_head does;
//  - the chunked scanner, fed the bytes after a chunked head whole or in two pieces, ends
//    at the same place in the same state, and never takes more than it was given.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/request_head.h"
#include "oracle.h"

namespace {

using proof::fuzz::violated;
using proof::net::ChunkedBodyScanner;
using proof::net::HeadError;
using proof::net::HeadLimits;
using proof::net::HeadResult;
using proof::net::RequestHead;

bool starts_with_ci(std::string_view s, std::string_view lowercase_prefix) {
  if (s.size() < lowercase_prefix.size()) return false;
  for (std::size_t i = 0; i < lowercase_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lowercase_prefix[i]) return false;
  }
  return true;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void check_head(std::string_view buffer, const HeadLimits& limits, const RequestHead& head) {
  PROOF_FUZZ_CHECK(head.head_bytes <= buffer.size(), buffer);
  PROOF_FUZZ_CHECK(head.head_bytes <= limits.max_head_bytes, buffer);
  PROOF_FUZZ_CHECK(head.leading_blank_bytes % 2 == 0 && head.leading_blank_bytes <= 8, buffer);
  const std::string_view whole = buffer.substr(0, head.head_bytes);
  PROOF_FUZZ_CHECK(whole.size() >= 4 && whole.substr(whole.size() - 4) == "\r\n\r\n", buffer);
  for (std::size_t i = 0; i < head.leading_blank_bytes; i += 2) {
    PROOF_FUZZ_CHECK(whole.substr(i, 2) == "\r\n", buffer);
  }
  const std::string_view text = whole.substr(head.leading_blank_bytes);
  for (std::size_t i = 0; i < text.size(); ++i) {
    PROOF_FUZZ_CHECK(text[i] != '\0', buffer);
    if (text[i] == '\r') PROOF_FUZZ_CHECK(i + 1 < text.size() && text[i + 1] == '\n', buffer);
    if (text[i] == '\n') PROOF_FUZZ_CHECK(i > 0 && text[i - 1] == '\r', buffer);
  }
  // Split into lines (without CRLF); the last two are the blank line's pieces.
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find("\r\n", at);
    lines.push_back(text.substr(at, end - at));
    at = end + 2;
  }
  PROOF_FUZZ_CHECK(lines.size() >= 2 && lines.back().empty(), buffer);
  lines.pop_back();
  const std::string_view request_line = lines.front();
  const std::size_t sp1 = request_line.find(' ');
  const std::size_t sp2 = request_line.rfind(' ');
  PROOF_FUZZ_CHECK(sp1 != std::string_view::npos && sp2 != sp1, buffer);
  PROOF_FUZZ_CHECK(request_line.substr(0, sp1) == head.method, buffer);
  PROOF_FUZZ_CHECK(request_line.substr(sp1 + 1, sp2 - sp1 - 1) == head.target, buffer);
  const std::string_view version = request_line.substr(sp2 + 1);
  PROOF_FUZZ_CHECK(version == "HTTP/1.0" || version == "HTTP/1.1", buffer);
  PROOF_FUZZ_CHECK(head.minor_version == (version == "HTTP/1.1" ? 1 : 0), buffer);
  PROOF_FUZZ_CHECK(!head.method.empty() && !head.target.empty(), buffer);
  PROOF_FUZZ_CHECK(head.target.find(' ') == std::string::npos, buffer);

  PROOF_FUZZ_CHECK(lines.size() - 1 <= limits.max_headers, buffer);
  int hosts = 0, lengths = 0, encodings = 0;
  std::string_view length_value;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    PROOF_FUZZ_CHECK(!line.empty() && line.front() != ' ' && line.front() != '\t', buffer);
    if (starts_with_ci(line, "host:")) ++hosts;
    if (starts_with_ci(line, "content-length:")) {
      ++lengths;
      length_value = trimmed(line.substr(15));
    }
    if (starts_with_ci(line, "transfer-encoding:")) ++encodings;
  }
  if (head.minor_version == 1) PROOF_FUZZ_CHECK(hosts == 1, buffer);
  PROOF_FUZZ_CHECK(hosts <= 1 && lengths <= 1, buffer);
  PROOF_FUZZ_CHECK(!(lengths == 1 && encodings > 0), buffer);
  PROOF_FUZZ_CHECK(head.chunked == (encodings > 0), buffer);
  PROOF_FUZZ_CHECK(!head.chunked || head.minor_version == 1, buffer);
  if (lengths == 1) {
    std::size_t value = 0;
    PROOF_FUZZ_CHECK(!length_value.empty(), buffer);
    for (const char c : length_value) {
      PROOF_FUZZ_CHECK(c >= '0' && c <= '9', buffer);
      value = value * 10 + static_cast<std::size_t>(c - '0');
      PROOF_FUZZ_CHECK(value <= limits.max_body_bytes, buffer);
    }
    PROOF_FUZZ_CHECK(head.content_length == value, buffer);
  } else {
    PROOF_FUZZ_CHECK(head.content_length == 0, buffer);
  }
}

bool same(const HeadResult& a, const HeadResult& b) {
  if (a.index() != b.index()) return false;
  if (const auto* e = std::get_if<HeadError>(&a)) {
    const auto& f = std::get<HeadError>(b);
    return e->status == f.status && e->message == f.message;
  }
  if (const auto* h = std::get_if<RequestHead>(&a)) {
    const auto& g = std::get<RequestHead>(b);
    return h->method == g.method && h->target == g.target && h->minor_version == g.minor_version &&
           h->keep_alive == g.keep_alive && h->chunked == g.chunked &&
           h->content_length == g.content_length && h->expect_continue == g.expect_continue &&
           h->head_bytes == g.head_bytes && h->leading_blank_bytes == g.leading_blank_bytes;
  }
  return true;
}

void check_body(std::string_view rest, std::size_t max_body, std::size_t split) {
  ChunkedBodyScanner whole(max_body);
  const std::size_t taken = whole.feed(rest);
  PROOF_FUZZ_CHECK(taken <= rest.size(), rest);
  if (whole.state() == ChunkedBodyScanner::State::need_more) {
    PROOF_FUZZ_CHECK(taken == rest.size(), rest);
  }
  if (whole.state() == ChunkedBodyScanner::State::error) {
    const int status = whole.error().status;
    PROOF_FUZZ_CHECK(status == 400 || status == 413, rest);
  }
  PROOF_FUZZ_CHECK(whole.data_bytes() <= max_body, rest);
  if (whole.state() != ChunkedBodyScanner::State::need_more) {
    PROOF_FUZZ_CHECK(whole.feed(rest) == 0, rest);  // a finished scanner takes nothing more
  }

  ChunkedBodyScanner pieces(max_body);
  split = std::min(split, rest.size());
  std::size_t taken2 = pieces.feed(rest.substr(0, split));
  if (pieces.state() == ChunkedBodyScanner::State::need_more) {
    taken2 += pieces.feed(rest.substr(split));
  }
  PROOF_FUZZ_CHECK(pieces.state() == whole.state(), rest);
  if (whole.state() != ChunkedBodyScanner::State::error) {
    PROOF_FUZZ_CHECK(taken2 == taken, rest);
  } else {
    PROOF_FUZZ_CHECK(pieces.error().status == whole.error().status, rest);
  }
}

void check(std::string_view buffer, const HeadLimits& limits, std::size_t split) {
  const HeadResult full = proof::net::parse_request_head(buffer, limits);
  if (const auto* e = std::get_if<HeadError>(&full)) {
    const int s = e->status;
    PROOF_FUZZ_CHECK(
        s == 400 || s == 413 || s == 414 || s == 417 || s == 431 || s == 501 || s == 505, buffer);
    PROOF_FUZZ_CHECK(!e->message.empty(), buffer);
  } else if (const auto* head = std::get_if<RequestHead>(&full)) {
    check_head(buffer, limits, *head);
    if (head->chunked) check_body(buffer.substr(head->head_bytes), limits.max_body_bytes, split);
  } else {
    PROOF_FUZZ_CHECK(buffer.size() < limits.max_head_bytes, buffer);
  }

  // Prefixes: at every line end (the points where a decision can be made) and one more.
  std::size_t checked = 0;
  for (std::size_t at = buffer.find('\n'); at != std::string_view::npos && checked < 64;
       at = buffer.find('\n', at + 1), ++checked) {
    const HeadResult part = proof::net::parse_request_head(buffer.substr(0, at + 1), limits);
    if (!std::holds_alternative<std::monostate>(part) && !same(part, full)) {
      violated("a prefix's result contradicts the whole buffer's", buffer.substr(0, at + 1));
    }
  }
  const HeadResult part =
      proof::net::parse_request_head(buffer.substr(0, std::min(split, buffer.size())), limits);
  if (!std::holds_alternative<std::monostate>(part) && !same(part, full)) {
    violated("a prefix's result contradicts the whole buffer's", buffer);
  }

  // RequestHeadParser fed the same bytes in two pieces, from a buffer that moves between
  // them, ends with the one-shot answer.
  proof::net::RequestHeadParser parser(limits);
  std::string grown(buffer.substr(0, std::min(split, buffer.size())));
  HeadResult fed = parser.parse(grown);
  if (!std::holds_alternative<std::monostate>(fed) && !same(fed, full)) {
    violated("RequestHeadParser on a prefix contradicts parse_request_head", buffer);
  }
  grown.append(buffer.substr(grown.size()));
  grown.shrink_to_fit();
  fed = parser.parse(grown);
  if (!same(fed, full)) violated("RequestHeadParser differs from parse_request_head", buffer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view buffer(reinterpret_cast<const char*>(data), size);
  // Where to split: from the input's own bytes, so it varies without a separate header.
  const std::size_t split = size == 0 ? 0 : (data[0] * 131u + data[size - 1]) % (size + 1);
  check(buffer, HeadLimits{}, split);
  HeadLimits tiny;
  tiny.max_head_bytes = 96;
  tiny.max_headers = 3;
  tiny.max_body_bytes = 10;
  check(buffer, tiny, split);
  return 0;
}
