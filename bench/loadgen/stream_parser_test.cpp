// Checks of the generator's response and SSE parsing: a wrong parser would make the
// benchmark report lost events that arrived, so every case is also fed split at every
// byte boundary, as the network may deliver it.
#include <cstdio>
#include <string>
#include <vector>

#include "stream_parser.h"

namespace {

int failures = 0;

void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) {
    ++failures;
    (void)std::fprintf(stderr, "FAIL: %s %s\n", what, detail.c_str());
  }
}

/// Decodes `body` framed per `head`, fed in two pieces split at `cut`, and returns the SSE
/// data of each event.
std::vector<std::string> events_of(const loadgen::ResponseHead& head, const std::string& body,
                                   std::size_t cut, bool* done = nullptr) {
  loadgen::BodyDecoder decoder;
  loadgen::SseParser sse;
  std::vector<std::string> out;
  decoder.reset(head);
  const auto sink = [&](std::string_view bytes) {
    sse.feed(bytes, [&](const loadgen::SseEvent& e) { out.emplace_back(e.data); });
  };
  decoder.feed(std::string_view(body).substr(0, cut), sink);
  decoder.feed(std::string_view(body).substr(cut), sink);
  if (done) *done = decoder.done();
  check(!decoder.error(), "decoder error", body);
  return out;
}

void every_split(const loadgen::ResponseHead& head, const std::string& body,
                 const std::vector<std::string>& expected, const char* what) {
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const auto got = events_of(head, body, cut);
    if (got != expected) {
      check(false, what, "split at " + std::to_string(cut));
      return;
    }
  }
}

}  // namespace

int main() {
  using loadgen::ResponseHead;

  const auto proof_head = loadgen::parse_head(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
      "Keep-Alive: timeout=5, max=1000");
  check(proof_head && proof_head->status == 200 && proof_head->chunked, "proof head");
  const auto nchan_head = loadgen::parse_head(
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/event-stream; "
      "charset=utf-8\r\nConnection: keep-alive");
  check(nchan_head && !nchan_head->chunked && !nchan_head->content_length &&
            !nchan_head->connection_close,
        "nchan head");
  const auto refused = loadgen::parse_head("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 9");
  check(refused && refused->status == 503 && refused->content_length == 9u, "503 head");
  check(!loadgen::parse_head("garbage"), "garbage head");

  // proof: chunked, one frame per chunk, a retry line and heartbeats between events.
  const std::string e1 = "id: 7\nevent: signup\ndata: {\"id\":7,\"user_name\":\"LG0.123\"}\n\n";
  const std::string e2 = "id: 8\nevent: signup\ndata: {\"id\":8,\"user_name\":\"LG1.456\"}\n\n";
  const auto chunk = [](const std::string& s) {
    char size[32];
    (void)std::snprintf(size, sizeof size, "%zx\r\n", s.size());
    return std::string(size) + s + "\r\n";
  };
  const std::string proof_body = chunk("retry: 3000\n\n") + chunk(e1) + chunk(": heartbeat\n\n") +
                                 chunk(e2 + e1) + "0\r\n\r\n";
  every_split(*proof_head, proof_body,
              {"{\"id\":7,\"user_name\":\"LG0.123\"}", "{\"id\":8,\"user_name\":\"LG1.456\"}",
               "{\"id\":7,\"user_name\":\"LG0.123\"}"},
              "chunked stream");
  bool done = false;
  events_of(*proof_head, proof_body, 5, &done);
  check(done, "last chunk ends the body");

  // nchan: unchunked, CRLF line ends, a comment first, multi-line data.
  const std::string nchan_body =
      ": hi\r\n\r\nid: 1:0\r\ndata: LG3.99\r\n\r\nid: 2:0\r\ndata: a\r\ndata: b\r\n\r\n";
  every_split(*nchan_head, nchan_body, {"LG3.99", "a\nb"}, "identity stream, CRLF");
  // Bare CR line ends, and a field without a space after the colon.
  every_split(*nchan_head, "data:x\r\rdata: y\r\r", {"x", "y"}, "CR line ends");
  // Chunk extensions and upper-case hex.
  every_split(*proof_head, "B;ext=1\r\ndata: 1234\n\r\n1\r\n\n\r\n0\r\n\r\n", {"1234"},
              "chunk extension");

  // Stamps.
  const auto stamp = loadgen::find_stamp("{\"ts\":1,\"user_name\":\"LG12.345678\"}", "LG");
  check(stamp && stamp->seq == 12 && stamp->sent_ns == 345678, "stamp in JSON");
  check(!loadgen::find_stamp("LG.5 LGx LG7", "LG"), "no stamp");
  const auto later = loadgen::find_stamp("LGx LG3.4", "LG");
  check(later && later->seq == 3 && later->sent_ns == 4, "stamp after a false start");
  check(loadgen::format_stamp("LG", {5, 99}) == "LG5.99", "format stamp");

  // What a reconnecting page sends back: the last id seen, and the delay the server asked.
  const std::string resumable = "retry: 3412\n\nid: 17\nevent: signup\ndata: a\n\n: hb\n\n";
  for (std::size_t cut = 0; cut <= resumable.size(); ++cut) {
    loadgen::SseParser sse;
    sse.feed(std::string_view(resumable).substr(0, cut), [](const loadgen::SseEvent&) {});
    sse.feed(std::string_view(resumable).substr(cut), [](const loadgen::SseEvent&) {});
    if (sse.last_id() != "17" || sse.retry_ms() != 3412) {
      check(false, "last id and retry", "split at " + std::to_string(cut));
      break;
    }
  }
  loadgen::SseParser fresh;
  fresh.feed("retry: soon\ndata: x\n\n", [](const loadgen::SseEvent&) {});
  check(fresh.last_id().empty() && !fresh.retry_ms(), "no id yet, a retry that is not digits");

  if (failures == 0) std::puts("stream parser: all checks passed");
  return failures == 0 ? 0 : 1;
}
