// request_head.h: the strict RFC 9112 reading of request heads and chunked bodies that the
// event loop does before dispatching anything. Every rule is checked with the status a
// client would get back.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <variant>

#include "net/request_head.h"

using proof::net::ChunkedBodyScanner;
using proof::net::HeadError;
using proof::net::HeadLimits;
using proof::net::HeadResult;
using proof::net::parse_request_head;
using proof::net::RequestHead;

namespace {

RequestHead parsed(std::string_view buffer, const HeadLimits& limits = {}) {
  const HeadResult result = parse_request_head(buffer, limits);
  if (const auto* e = std::get_if<HeadError>(&result)) {
    FAIL("refused with " << e->status << ": " << e->message);
  }
  REQUIRE(std::holds_alternative<RequestHead>(result));
  return std::get<RequestHead>(result);
}

int status_of(std::string_view buffer, const HeadLimits& limits = {}) {
  const HeadResult result = parse_request_head(buffer, limits);
  if (std::holds_alternative<std::monostate>(result)) return 0;
  if (std::holds_alternative<RequestHead>(result)) return 200;
  return std::get<HeadError>(result).status;
}

std::string get(std::string_view headers) {
  return "GET / HTTP/1.1\r\nHost: x\r\n" + std::string(headers) + "\r\n";
}

}  // namespace

TEST_CASE("a plain GET is read with its defaults", "[request_head]") {
  const std::string request = "GET /healthz?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
  const RequestHead head = parsed(request);
  CHECK(head.method == "GET");
  CHECK(head.target == "/healthz?x=1");
  CHECK(head.minor_version == 1);
  CHECK(head.keep_alive);
  CHECK_FALSE(head.chunked);
  CHECK(head.content_length == 0);
  CHECK_FALSE(head.expect_continue);
  CHECK(head.head_bytes == request.size());
  CHECK(head.leading_blank_bytes == 0);
}

TEST_CASE("head_bytes stops at the blank line; what follows is the body", "[request_head]") {
  const std::string head = "POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n";
  const RequestHead parsed_head = parsed(head + "hello" + "GET / HTTP/1.1\r\n");
  CHECK(parsed_head.head_bytes == head.size());
  CHECK(parsed_head.content_length == 5);
}

TEST_CASE("an incomplete head asks for more", "[request_head]") {
  CHECK(status_of("") == 0);
  CHECK(status_of("G") == 0);
  CHECK(status_of("GET / HTTP/1.1") == 0);
  CHECK(status_of("GET / HTTP/1.1\r") == 0);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\n") == 0);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\n\r") == 0);
}

TEST_CASE("every prefix of a pipelined pair asks for more until the first head is complete",
          "[request_head]") {
  const std::string first = "POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  const std::string second = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string both = first + second;
  const std::size_t first_head = first.size() - 3;
  for (std::size_t split = 0; split <= both.size(); ++split) {
    INFO("split at " << split);
    const HeadResult result = parse_request_head(std::string_view(both).substr(0, split));
    if (split < first_head) {
      CHECK(std::holds_alternative<std::monostate>(result));
      continue;
    }
    REQUIRE(std::holds_alternative<RequestHead>(result));
    const auto& head = std::get<RequestHead>(result);
    CHECK(head.head_bytes == first_head);
    CHECK(head.content_length == 3);
    // The loop then skips the body and reads the next head from where the first ended.
    const std::size_t next = head.head_bytes + head.content_length;
    if (split < next) continue;
    const HeadResult rest = parse_request_head(std::string_view(both).substr(next, split - next));
    if (split < both.size()) {
      CHECK(std::holds_alternative<std::monostate>(rest));
    } else {
      REQUIRE(std::holds_alternative<RequestHead>(rest));
      CHECK(std::get<RequestHead>(rest).target == "/healthz");
      CHECK_FALSE(std::get<RequestHead>(rest).keep_alive);
      CHECK(std::get<RequestHead>(rest).head_bytes == second.size());
    }
  }
}

TEST_CASE("fifty pipelined GETs in one buffer are read one after another", "[request_head]") {
  std::string buffer;
  for (int i = 0; i < 50; ++i) {
    buffer += "GET /healthz?n=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  std::string_view rest = buffer;
  for (int i = 0; i < 50; ++i) {
    const RequestHead head = parsed(rest);
    CHECK(head.target == "/healthz?n=" + std::to_string(i));
    rest.remove_prefix(head.head_bytes);
  }
  CHECK(rest.empty());
}

TEST_CASE("empty lines before the request line are skipped and counted", "[request_head]") {
  const RequestHead head = parsed("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(head.leading_blank_bytes == 4);
  CHECK(head.head_bytes == 4 + 27);
  CHECK(status_of("\r\n") == 0);
  CHECK(status_of("\r") == 0);
  CHECK(status_of("\n") == 400);
  CHECK(status_of("\rGET / HTTP/1.1\r\n") == 400);
  // A few, not a head's worth: each is a line end, where the loop parses again.
  CHECK(parsed("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").leading_blank_bytes == 8);
  CHECK(status_of("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of(std::string(10'000, '\r')) == 400);
}

TEST_CASE("line ends are CRLF only", "[request_head]") {
  CHECK(status_of("GET / HTTP/1.1\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\n\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\rX: y\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n") == 400);
  CHECK(status_of("GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
}

TEST_CASE("the request line is METHOD SP TARGET SP HTTP/1.x", "[request_head]") {
  CHECK(status_of("GARBAGE\r\n\r\n") == 400);
  CHECK(status_of("GET\r\n\r\n") == 400);
  CHECK(status_of("GET /\r\nHost: x\r\n\r\n") == 400);  // HTTP/0.9 form
  CHECK(status_of("GET  / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1 \r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET / x HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of(" GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("G(T / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET /\tb HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of(std::string("GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n", 30)) == 400);
  // Any token is a method here; whether the route knows it is for the router to say.
  CHECK(parsed("PURGE /x HTTP/1.1\r\nHost: x\r\n\r\n").method == "PURGE");
  CHECK(parsed("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").target == "*");
  CHECK(parsed("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n").target == "/caf\xc3\xa9");
}

TEST_CASE("only HTTP/1.0 and HTTP/1.1 are spoken", "[request_head]") {
  CHECK(parsed("GET / HTTP/1.0\r\n\r\n").minor_version == 0);
  CHECK(parsed("GET / HTTP/1.1\r\nHost: x\r\n\r\n").minor_version == 1);
  CHECK(status_of("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/9.9\r\nHost: x\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/1.2\r\nHost: x\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/0.9\r\nHost: x\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.10\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET / http/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/x.y\r\nHost: x\r\n\r\n") == 400);
  CHECK(status_of("GET / FOO\r\nHost: x\r\n\r\n") == 400);
}

TEST_CASE("header names are tokens, values have no control characters", "[request_head]") {
  CHECK(status_of(get("X-Ok: a\tb c!~\x80\xff\r\n")) == 200);
  CHECK(status_of(get("X-Bad : a\r\n")) == 400);  // space before the colon
  CHECK(status_of(get("X-Bad\t: a\r\n")) == 400);
  CHECK(status_of(get("X Bad: a\r\n")) == 400);
  CHECK(status_of(get("X(Bad): a\r\n")) == 400);
  CHECK(status_of(get(": a\r\n")) == 400);
  CHECK(status_of(get("NoColon\r\n")) == 400);
  CHECK(status_of(get(std::string("X-Nul: a\0b\r\n", 12))) == 400);
  CHECK(status_of(get("X-Ctl: a\x01b\r\n")) == 400);
  CHECK(status_of(get("X-Ctl: a\x1b[31m\r\n")) == 400);
  CHECK(status_of(get("X-Del: a\x7f\r\n")) == 400);
  CHECK(status_of(get("X-Empty:\r\n")) == 200);
}

TEST_CASE("obsolete line folding is refused", "[request_head]") {
  CHECK(status_of(get("X-A: a\r\n b\r\n")) == 400);
  CHECK(status_of(get("X-A: a\r\n\tb\r\n")) == 400);
  CHECK(status_of("GET / HTTP/1.1\r\n Host: x\r\n\r\n") == 400);
}

TEST_CASE("HTTP/1.1 needs exactly one Host", "[request_head]") {
  CHECK(status_of("GET / HTTP/1.1\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nhOsT: b\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHOST: a:8080\r\n\r\n") == 200);
  CHECK(status_of("GET / HTTP/1.0\r\n\r\n") == 200);
  CHECK(status_of("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
}

TEST_CASE("Content-Length is one value of digits within the limit", "[request_head]") {
  CHECK(parsed(get("Content-Length: 5\r\n")).content_length == 5);
  CHECK(parsed(get("content-length:   0012  \r\n")).content_length == 12);
  CHECK(parsed(get("Content-Length: 16384\r\n")).content_length == 16384);
  CHECK(status_of(get("Content-Length: 16385\r\n")) == 413);
  CHECK(status_of(get("Content-Length: 99999999999999999999999999\r\n")) == 413);
  CHECK(status_of(get("Content-Length: +5\r\n")) == 400);
  CHECK(status_of(get("Content-Length: -1\r\n")) == 400);
  CHECK(status_of(get("Content-Length: 5x\r\n")) == 400);
  CHECK(status_of(get("Content-Length: 5 5\r\n")) == 400);
  CHECK(status_of(get("Content-Length: 0x10\r\n")) == 400);
  CHECK(status_of(get("Content-Length:\r\n")) == 400);
  CHECK(status_of(get("Content-Length: 5, 5\r\n")) == 400);
  CHECK(status_of(get("Content-Length: 99999999999999999999999999, 1\r\n")) == 400);
  CHECK(status_of(get("Content-Length: 5\r\nContent-Length: 5\r\n")) == 400);
  CHECK(status_of(get("Content-Length: 5\r\nContent-Length: 6\r\n")) == 400);
  HeadLimits small;
  small.max_body_bytes = 10;
  CHECK(status_of(get("Content-Length: 10\r\n"), small) == 200);
  CHECK(status_of(get("Content-Length: 11\r\n"), small) == 413);
}

TEST_CASE("Transfer-Encoding is chunked only, never with Content-Length", "[request_head]") {
  const RequestHead head = parsed(get("Transfer-Encoding: chunked\r\n"));
  CHECK(head.chunked);
  CHECK(head.content_length == 0);
  CHECK(parsed(get("transfer-encoding:  CHUNKED \r\n")).chunked);
  CHECK(status_of(get("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")) == 400);
  CHECK(status_of(get("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")) == 400);
  CHECK(status_of(get("Transfer-Encoding: gzip\r\n")) == 501);
  CHECK(status_of(get("Transfer-Encoding: gzip, chunked\r\n")) == 501);
  CHECK(status_of(get("Transfer-Encoding: identity\r\n")) == 501);
  CHECK(status_of(get("Transfer-Encoding: chunked, chunked\r\n")) == 400);
  CHECK(status_of(get("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")) == 400);
  CHECK(status_of(get("Transfer-Encoding: chunked;x=1\r\n")) == 400);
  CHECK(status_of(get("Transfer-Encoding:\r\n")) == 400);
  CHECK(status_of(get("Transfer-Encoding: chunked,\r\n")) == 400);
  CHECK(status_of(get("Transfer-Encoding: \"chunked\"\r\n")) == 400);
  CHECK(status_of(get("Transfer-Encoding: chun ked\r\n")) == 400);
  CHECK(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
}

TEST_CASE("Expect is 100-continue or a 417", "[request_head]") {
  CHECK(parsed(get("Expect: 100-continue\r\n")).expect_continue);
  CHECK(parsed(get("Expect: 100-Continue\r\n")).expect_continue);
  CHECK_FALSE(parsed("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expect_continue);
  CHECK(status_of(get("Expect: foo\r\n")) == 417);
  CHECK(status_of(get("Expect:\r\n")) == 417);
  CHECK(status_of(get("Expect: 100-continue, foo\r\n")) == 417);
  CHECK(status_of("GET / HTTP/1.0\r\nExpect: foo\r\n\r\n") == 417);
}

TEST_CASE("keep-alive follows the version and Connection", "[request_head]") {
  CHECK(parsed(get("")).keep_alive);
  CHECK_FALSE(parsed(get("Connection: close\r\n")).keep_alive);
  CHECK_FALSE(parsed(get("connection: Upgrade, CLOSE\r\n")).keep_alive);
  CHECK(parsed(get("Connection: keep-alive\r\n")).keep_alive);
  CHECK_FALSE(parsed("GET / HTTP/1.0\r\n\r\n").keep_alive);
  CHECK(parsed("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
  CHECK_FALSE(parsed("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keep_alive);
}

TEST_CASE("a head past max_head_bytes is a 431 before its end arrives", "[request_head]") {
  HeadLimits limits;
  limits.max_head_bytes = 64;
  const std::string start = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ";
  CHECK(status_of(start + std::string(20, 'a'), limits) == 0);
  CHECK(status_of(start + std::string(64 - start.size(), 'a'), limits) == 431);
  CHECK(status_of(start + std::string(10'000, 'a'), limits) == 431);
  // Exactly at the limit is accepted; one byte more is not.
  std::string exact = start + "\r\n\r\n";
  exact.insert(start.size(), 64 - exact.size(), 'a');
  REQUIRE(exact.size() == 64);
  CHECK(parsed(exact, limits).head_bytes == 64);
  exact.insert(start.size(), 1, 'a');
  CHECK(status_of(exact, limits) == 431);
  // The same with the default 16 KiB and a 10 MB flood of header lines.
  std::string flood = "GET / HTTP/1.1\r\nHost: x\r\n";
  while (flood.size() < 10'000'000) {
    flood += "X-Flood-Header-Line: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  }
  HeadLimits many;
  many.max_headers = 1'000'000;
  CHECK(status_of(flood, many) == 431);
}

TEST_CASE("a request line past max_head_bytes is a 414", "[request_head]") {
  HeadLimits limits;
  limits.max_head_bytes = 64;
  CHECK(status_of("GET /" + std::string(50, 'a'), limits) == 0);
  CHECK(status_of("GET /" + std::string(59, 'a'), limits) == 414);
  CHECK(status_of("GET /" + std::string(200, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", limits) == 414);
  CHECK(status_of("GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n") == 414);
}

TEST_CASE("more than max_headers header lines is a 431", "[request_head]") {
  std::string head = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 99; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  CHECK(status_of(head + "\r\n") == 200);               // 100 lines with Host
  CHECK(status_of(head + "X-One-More: v\r\n") == 431);  // refused before the blank line
  HeadLimits limits;
  limits.max_headers = 1;
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n", limits) == 200);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\r\n", limits) == 431);
}

TEST_CASE("a violation is reported as soon as its line is complete", "[request_head]") {
  CHECK(status_of("GET / HTTP/2.0\r\n") == 505);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nX-More") == 417);
  // The first violation wins.
  CHECK(status_of("GET / HTTP/1.1\r\nExpect: foo\r\nContent-Length: +5\r\n\r\n") == 417);
}

TEST_CASE("a refusal carries a sentence for the error body", "[request_head]") {
  const HeadResult result = parse_request_head(get("Content-Length: 1\r\nContent-Length: 2\r\n"));
  REQUIRE(std::holds_alternative<HeadError>(result));
  // In the one style of every refusal (README, API): lower case, no final period.
  CHECK(std::get<HeadError>(result).message ==
        "the request has more than one Content-Length header");
}

namespace {

/// Feeds `body` to a scanner in pieces of `step` bytes; returns the bytes it took.
std::size_t scan(ChunkedBodyScanner& scanner, std::string_view body, std::size_t step) {
  std::size_t taken = 0;
  for (std::size_t at = 0;
       at < body.size() && scanner.state() == ChunkedBodyScanner::State::need_more; at += step) {
    const std::size_t n = scanner.feed(body.substr(at, step));
    taken += n;
    if (scanner.state() == ChunkedBodyScanner::State::need_more) {
      CHECK(n == std::min(step, body.size() - at));
    }
  }
  return taken;
}

int chunked_status(std::string_view body, std::size_t max = std::size_t{16} * 1024) {
  ChunkedBodyScanner scanner(max);
  scanner.feed(body);
  switch (scanner.state()) {
    case ChunkedBodyScanner::State::need_more:
      return 0;
    case ChunkedBodyScanner::State::done:
      return 200;
    case ChunkedBodyScanner::State::error:
      return scanner.error().status;
  }
  return -1;
}

}  // namespace

TEST_CASE("a chunked body ends after its last chunk and trailers, at any split", "[request_head]") {
  const std::string body =
      "5\r\nhello\r\n1A;name=value\r\n" + std::string(26, 'z') + "\r\n0\r\nX-Trailer: t\r\n\r\n";
  const std::string next = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::size_t step = 1; step <= body.size() + next.size(); ++step) {
    INFO("pieces of " << step);
    ChunkedBodyScanner scanner;
    CHECK(scan(scanner, body + next, step) == body.size());
    CHECK(scanner.state() == ChunkedBodyScanner::State::done);
    CHECK(scanner.data_bytes() == 31);
  }
  CHECK(chunked_status("0\r\n\r\n") == 200);
  CHECK(chunked_status("000\r\n\r\n") == 200);
  CHECK(chunked_status("5\r\nhello\r\n") == 0);
  CHECK(chunked_status("5\r\nhel") == 0);
  CHECK(chunked_status("5 ; a=b\r\nhello\r\n0\r\n\r\n") == 200);
}

TEST_CASE("a malformed chunked body is a 400", "[request_head]") {
  CHECK(chunked_status("zz\r\nabc\r\n") == 400);
  CHECK(chunked_status("\r\n") == 400);
  CHECK(chunked_status("-1\r\n") == 400);
  CHECK(chunked_status("0x5\r\nhello\r\n") == 400);
  CHECK(chunked_status("5\nhello\r\n0\r\n\r\n") == 400);
  CHECK(chunked_status("5\r\nhello\n0\r\n\r\n") == 400);
  CHECK(chunked_status("5\r\nhelloX\r\n0\r\n\r\n") == 400);
  CHECK(chunked_status("3\r\nhello\r\n") == 400);
  CHECK(chunked_status("5;a\nb\r\nhello\r\n") == 400);
  CHECK(chunked_status("0\r\nNoColon\r\n\r\n") == 400);
  CHECK(chunked_status("0\r\n Folded: x\r\n\r\n") == 400);
  CHECK(chunked_status("0\r\nX: a\x01\r\n\r\n") == 400);
  CHECK(chunked_status("0\r\n\n") == 400);
  CHECK(chunked_status("0\r\n\r\r") == 400);
}

TEST_CASE("a chunked body past the limit is a 413 as soon as a size says so", "[request_head]") {
  CHECK(chunked_status("ffffffffffffffff\r\nabc\r\n") == 413);
  CHECK(chunked_status("ffffffffffffffffffffffffffffffff") == 413);
  CHECK(chunked_status("4001\r\n") == 413);
  CHECK(chunked_status("4000\r\n") == 0);
  CHECK(chunked_status("8\r\n12345678\r\n3\r\n", 10) == 413);
  CHECK(chunked_status("8\r\n12345678\r\n2\r\n12\r\n0\r\n\r\n", 10) == 200);
  // Framing cannot grow without end either: endless extensions, trailers, one-byte chunks.
  CHECK(chunked_status("1;" + std::string(20'000, 'e')) == 413);
  CHECK(chunked_status("0\r\n" + std::string(20'000, 'X')) == 413);
  std::string tiny;
  for (int i = 0; i < 4000; ++i) tiny += "1\r\nx\r\n";
  CHECK(chunked_status(tiny) == 413);
}

TEST_CASE("RequestHeadParser gives parse_request_head's answers when fed piece by piece",
          "[request_head]") {
  using proof::net::RequestHeadParser;
  const std::string heads[] = {
      "\r\nPOST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
      "GET /events HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n",
      "GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\n\r\n",
  };
  for (const std::string& whole : heads) {
    INFO(whole.substr(0, 60));
    const HeadResult expected = parse_request_head(whole);
    for (const std::size_t step : {std::size_t{1}, std::size_t{7}, whole.size()}) {
      RequestHeadParser parser;
      std::string buffer;  // grows, and so moves, as a connection's buffer does
      HeadResult got;
      for (std::size_t at = 0; at < whole.size(); at += step) {
        buffer.append(whole, at, step);
        buffer.shrink_to_fit();
        got = parser.parse(buffer);
        if (!std::holds_alternative<std::monostate>(got)) break;
      }
      REQUIRE(got.index() == expected.index());
      if (const auto* e = std::get_if<HeadError>(&expected)) {
        CHECK(std::get<HeadError>(got).status == e->status);
        CHECK(std::get<HeadError>(got).message == e->message);
      } else {
        const auto& g = std::get<RequestHead>(got);
        const auto& h = std::get<RequestHead>(expected);
        CHECK(g.method == h.method);
        CHECK(g.target == h.target);
        CHECK(g.minor_version == h.minor_version);
        CHECK(g.keep_alive == h.keep_alive);
        CHECK(g.chunked == h.chunked);
        CHECK(g.content_length == h.content_length);
        CHECK(g.expect_continue == h.expect_continue);
        CHECK(g.head_bytes == h.head_bytes);
        CHECK(g.leading_blank_bytes == h.leading_blank_bytes);
        // Finished: the same answer again, until reset.
        CHECK(std::get<RequestHead>(parser.parse(buffer)).head_bytes == h.head_bytes);
      }
    }
  }
}

TEST_CASE("RequestHeadParser reads a head up to its end, leaving the next pipelined one",
          "[request_head]") {
  std::string buffer = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n";
  proof::net::RequestHeadParser first_parser;
  const auto first = first_parser.parse(buffer);
  REQUIRE(std::holds_alternative<RequestHead>(first));
  buffer.erase(0, std::get<RequestHead>(first).head_bytes);
  proof::net::RequestHeadParser parser;  // the next request's own
  CHECK(std::holds_alternative<std::monostate>(parser.parse(buffer)));
  buffer += "\r\n";
  const auto second = parser.parse(buffer);
  REQUIRE(std::holds_alternative<RequestHead>(second));
  CHECK(std::get<RequestHead>(second).target == "/b");
}

TEST_CASE("BodyReader finds where a request ends, by Content-Length or chunked, at any split",
          "[request_head]") {
  using proof::net::BodyReader;
  const std::string next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string requests[] = {
      "POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
      "POST /signup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (const std::string& request : requests) {
    INFO(request.substr(0, 70));
    const RequestHead head = parsed(request);
    for (std::size_t step = 1; step <= request.size() + next.size(); ++step) {
      BodyReader body(head);
      std::string buffer = request.substr(0, head.head_bytes);
      auto state = body.read(buffer);
      for (std::size_t at = head.head_bytes; state == BodyReader::State::need_more; at += step) {
        REQUIRE(at < request.size() + next.size());
        buffer += (request + next).substr(at, step);
        state = body.read(buffer);
      }
      REQUIRE(state == BodyReader::State::done);
      CHECK(body.total() == request.size());
    }
  }
  // A chunked body that breaks its framing is refused with the scanner's status.
  const std::string bad = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
  BodyReader body(parsed(bad));
  REQUIRE(body.read(bad) == BodyReader::State::error);
  CHECK(body.error().status == 400);
}

TEST_CASE("headers are kept as sent: names with their case, values undecoded and whole",
          "[request_head]") {
  const RequestHead head = parsed(
      "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For:  198.51.100.7%00, 203.0.113.5 \r\n"
      "Last-Event-ID: 1%30\r\nx-forwarded-for: 10.0.0.1\r\nUser-Agent: A/1.0 (x; y)\r\n\r\n");
  REQUIRE(head.headers.size() == 5);
  CHECK(head.headers[0].name == "Host");
  CHECK(head.headers[1].name == "X-Forwarded-For");
  // No percent-decoding, no cut at an escaped NUL: only the white space around is gone.
  CHECK(head.headers[1].value == "198.51.100.7%00, 203.0.113.5");
  CHECK(head.headers[2].value == "1%30");
  // A header sent twice is there twice, in order.
  CHECK(head.headers[3].name == "x-forwarded-for");
  CHECK(head.headers[3].value == "10.0.0.1");
  CHECK(head.headers[4].value == "A/1.0 (x; y)");
}

TEST_CASE("a compressed body is a 415 before a byte of it is read", "[request_head]") {
  // The head alone decides: no body has arrived in any of these buffers.
  for (const char* coding : {"gzip", "deflate", "br", "x-gzip", "GZIP", "gzip, identity",
                             "identity, gzip", "compress", "zstd"}) {
    INFO(coding);
    const std::string head =
        "POST /hooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Encoding: " + std::string(coding) +
        "\r\nContent-Length: 400000\r\n\r\n";
    HeadLimits large;
    large.max_body_bytes = std::size_t{1024} * 1024;
    CHECK(status_of(head, large) == 415);
    CHECK(status_of(get("Transfer-Encoding: chunked\r\nContent-Encoding: " + std::string(coding) +
                        "\r\n")) == 415);
  }
  const auto error = std::get<HeadError>(
      parse_request_head(get("Content-Encoding: gzip\r\nContent-Length: 10\r\n")));
  CHECK(error.message.find("Content-Encoding") != std::string::npos);
  // Identity is no coding at all, and a coding on a request without a body inflates nothing.
  CHECK(status_of(get("Content-Encoding: identity\r\nContent-Length: 5\r\n")) == 200);
  CHECK(status_of(get("Content-Encoding: gzip\r\n")) == 200);
  CHECK(status_of(get("Content-Encoding: gzip\r\nContent-Length: 0\r\n")) == 200);
}

namespace {

/// A route table in miniature: /big takes a large body in the hooks lane.
class BigBodies final : public proof::net::RequestPolicy {
 public:
  proof::net::TargetPolicy policy(std::string_view method, std::string_view target) const override {
    if (method == "POST" && target.starts_with("/big")) return {100, proof::net::Lane::hooks};
    return {10, proof::net::Lane::requests};
  }
};

}  // namespace

TEST_CASE("each request's body limit and lane come from the policy, by method and target",
          "[request_head]") {
  const BigBodies policy;
  HeadLimits limits;
  limits.max_body_bytes = 10;
  limits.policy = &policy;
  const auto post = [](std::string_view target, int length) {
    return "POST " + std::string(target) +
           " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
  };
  const RequestHead big = parsed(post("/big?x=1", 100), limits);
  CHECK(big.max_body_bytes == 100);
  CHECK(big.lane == proof::net::Lane::hooks);
  CHECK(status_of(post("/big", 101), limits) == 413);
  CHECK(status_of(post("/small", 11), limits) == 413);
  CHECK(parsed(post("/small", 10), limits).lane == proof::net::Lane::requests);
  CHECK(status_of("GET /big HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", limits) == 413);
}

TEST_CASE("a chunked body's data is its chunks joined, without framing", "[request_head]") {
  using proof::net::decode_chunked;
  CHECK(decode_chunked("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n") ==
        "hello world");
  CHECK(decode_chunked("0\r\n\r\n").empty());
  CHECK(decode_chunked("A\r\n0123456789\r\n0\r\n\r\n") == "0123456789");
}
