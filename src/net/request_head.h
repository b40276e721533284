// The strict reading of an HTTP/1.x request head (RFC 9112) that the event loop does before
// anything is dispatched: where a request ends, what its body framing is, and the first
// thing wrong with it, as a status and a sentence. Pure: no sockets, no allocation per byte,
// so the loop thread can run it on every request.
//
// Line ends are CRLF only: a bare LF or a bare CR anywhere in the head is a 400. RFC 9112
// allows a recipient to accept a bare LF, but every client we serve sends CRLF, and reading
// line ends one way only leaves no room for a proxy in front and this reader to disagree
// about where a header or a request ends.
//
// A request body must come as sent: one with a Content-Encoding other than identity is
// refused (415) before a byte of it is read. Inflating it would let a small request take
// memory and time without bound before any key or signature could be checked, and none
// of the platforms proof takes webhooks from sends them compressed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/request_policy.h"

namespace proof::net {

struct HeadLimits {
  /// Request line + header lines + the blank line: 431 past it (414 when the request line
  /// alone is past it).
  std::size_t max_head_bytes = std::size_t{16} * 1024;
  std::size_t max_headers = 100;  ///< header lines: 431 past it
  /// The usual body limit (a Content-Length above it: 413), for every request the policy
  /// does not speak for; a body above it is a "large body" to the loop's caps.
  std::size_t max_body_bytes = std::size_t{16} * 1024;
  /// Each request's own limit and lane, from its request line (the route table); null:
  /// max_body_bytes and the requests lane for all.
  const RequestPolicy* policy = nullptr;

  TargetPolicy policy_for(std::string_view method, std::string_view target) const {
    return policy != nullptr ? policy->policy(method, target)
                             : TargetPolicy{max_body_bytes, Lane::requests};
  }
};

/// One header line as the client sent it: the name with its case, the value without the
/// white space around it and otherwise untouched (no decoding of any kind), so that what a
/// handler reads is what the parser checked.
struct Header {
  std::string name;
  std::string value;
};

struct RequestHead {
  std::string method;
  std::string target;
  int minor_version = 1;           ///< HTTP/1.0 -> 0, HTTP/1.1 -> 1
  bool keep_alive = true;          ///< from the version and the Connection tokens
  bool chunked = false;            ///< Transfer-Encoding: chunked (then content_length is 0)
  std::size_t content_length = 0;  ///< 0 when absent
  std::size_t max_body_bytes = 0;  ///< the limit that applies to its body (its TargetPolicy)
  Lane lane = Lane::requests;      ///< the worker queue it waits in (its TargetPolicy)
  bool expect_continue = false;    ///< Expect: 100-continue in HTTP/1.1 (ignored in 1.0)
  /// Bytes from the start of the buffer to the end of the blank line, empty lines before
  /// the request line included: the body (or the next request) starts here.
  std::size_t head_bytes = 0;
  /// Empty lines (CRLF) before the request line, which RFC 9112 §2.2 says to ignore (some
  /// clients send one after a POST body); up to 4, a 5th is a 400. They are part of
  /// head_bytes.
  std::size_t leading_blank_bytes = 0;
  /// Every header line, in order; a header sent twice is here twice.
  std::vector<Header> headers;
};

struct HeadError {
  /// 400, 413, 414, 415 (a compressed body), 417, 431, 501 (transfer coding), 505 (version)
  int status;
  std::string message;  ///< a sentence for the {"error": ...} body
};

/// Looks at the start of `buffer`. Returns std::monostate while the head is incomplete and
/// nothing wrong is certain yet (the caller reads more), the parsed head once the blank line
/// is seen, or the first violation found. Lines are judged as soon as they are complete, in
/// order, so a bad request line is refused without waiting for the headers, and an over-long
/// head is refused as soon as the buffer reaches max_head_bytes without its end.
///
/// The cost is linear in min(buffer.size(), max_head_bytes). The function keeps no state, so
/// a caller that calls it again after every read of a trickled head pays for the whole head
/// each time (up to 100 lines of 160 bytes: ~2 ms for 16 KiB sent a line at a time);
/// RequestHeadParser below keeps its place instead. Calling either only when the new bytes
/// hold a '\n' or reach max_head_bytes gives the same answers (nothing is decided in the
/// middle of a line).
using HeadResult = std::variant<std::monostate, RequestHead, HeadError>;
HeadResult parse_request_head(std::string_view buffer, const HeadLimits& limits = {});

namespace detail {
/// What the header lines read so far say (RequestHeadParser's state between calls).
struct HeadFields {
  std::size_t count = 0;
  std::size_t hosts = 0;
  bool has_content_length = false;
  std::size_t content_length = 0;
  bool has_transfer_encoding = false;
  bool chunked = false;
  bool expect_continue = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool content_encoded = false;  ///< a Content-Encoding other than identity
  std::vector<Header> headers;
};
}  // namespace detail

/// parse_request_head that keeps its place between calls, for a head that arrives in
/// pieces: each call reads only the lines completed since the last, so a head trickled in
/// a byte or a line at a time costs linear time in all, not a fresh parse per read. Give it
/// the whole buffer each time, grown only by appending (the bytes it has read must stay as
/// they were; the buffer may move). Once it has returned a head or an error it returns the
/// same again: each request gets a parser of its own, its head at the buffer's start.
/// The answers are the same as parse_request_head's on the same buffer.
class RequestHeadParser {
 public:
  explicit RequestHeadParser(const HeadLimits& limits = {});
  HeadResult parse(std::string_view buffer);
  /// The request target once the request line has been read, else empty; `buffer` is the
  /// one given to parse().
  std::string_view target(std::string_view buffer) const;

 private:
  HeadResult resume(std::string_view buffer);

  HeadLimits limits_;
  std::optional<HeadResult> finished_;
  std::size_t pos_ = 0;  // the start of the first line not read yet
  bool request_line_done_ = false;
  std::size_t leading_blank_bytes_ = 0;
  TargetPolicy policy_;  // for the request line, once it is read
  std::size_t method_at_ = 0, method_size_ = 0;
  std::size_t target_at_ = 0, target_size_ = 0;
  int minor_version_ = 1;
  detail::HeadFields fields_;
};

/// Finds the end of a chunked request body incrementally (the loop must know where one
/// pipelined request ends and the next starts). Feed it the bytes after the head, in order,
/// as they arrive; it keeps its place between calls.
///
/// Framing is checked as strictly as the head: hex sizes, CRLF after every size line and
/// every chunk, chunk extensions and trailer lines of visible characters. The decoded data
/// may not pass max_body_bytes (413, as soon as a size line says so), and the framing around
/// it (size lines, extensions, trailers) may not pass max(max_body_bytes, 4 KiB) (413): a
/// body of one-byte chunks or endless extensions cannot make the loop buffer without end.
class ChunkedBodyScanner {
 public:
  explicit ChunkedBodyScanner(std::size_t max_body_bytes = std::size_t{16} * 1024);
  enum class State { need_more, done, error };
  /// Consumes from `data`; returns how many of its bytes belong to the body (chunk framing
  /// and trailers included). After done or error it consumes nothing more; the bytes left
  /// over after done are the next request.
  std::size_t feed(std::string_view data);
  State state() const { return state_; }
  /// Valid once state() is error: 400 malformed, 413 too large.
  const HeadError& error() const { return error_; }
  /// Decoded body bytes so far (the chunk data without framing).
  std::size_t data_bytes() const { return data_bytes_; }

 private:
  enum class Step {
    size,           // hex digits of a chunk size
    extension,      // after the size, up to the CR
    size_lf,        // the LF after a size line
    data,           // chunk data
    data_cr,        // the CR after chunk data
    data_lf,        // the LF after chunk data
    trailer_start,  // the start of a trailer line, or the CR of the final blank line
    trailer_line,   // inside a trailer line
    trailer_lf,     // the LF after a trailer line
    final_lf,       // the LF of the final blank line
  };
  /// One byte of framing (everything but chunk data); false when it is wrong.
  bool framing(char c);
  bool size_line(char c);
  bool trailer_line(char c);
  /// Records the error; returns false, for `return fail(...)`.
  bool fail(HeadError error);
  bool fail(int status, const char* message);

  std::size_t max_body_bytes_;
  std::size_t max_framing_bytes_;
  State state_ = State::need_more;
  Step step_ = Step::size;
  HeadError error_{0, {}};
  std::size_t data_bytes_ = 0;     // decoded so far
  std::size_t framing_bytes_ = 0;  // everything else so far
  std::size_t chunk_left_ = 0;     // data bytes still to come in the current chunk
  std::size_t size_digits_ = 0;    // hex digits read in the current size line
  bool saw_colon_ = false;         // in the current trailer line
};

/// The data of a chunked body that a ChunkedBodyScanner found complete: the chunks' bytes
/// joined, without sizes, extensions or trailers (which carry nothing a handler reads).
std::string decode_chunked(std::string_view framed);

/// Where a request's body ends, whichever its framing (Content-Length or chunked): the one
/// body reader of the event loop. Give read() the buffer from the request's first byte
/// (its head) each time, grown only by appending; it keeps its place between calls.
class BodyReader {
 public:
  explicit BodyReader(const RequestHead& head);
  enum class State { need_more, done, error };
  State read(std::string_view request);
  /// Once done: the bytes of head and body together (where a pipelined request starts).
  std::size_t total() const { return total_; }
  /// Valid once read() returned error: 400 malformed framing, 413 too large.
  const HeadError& error() const { return chunked_->error(); }

 private:
  std::size_t head_bytes_;
  std::size_t content_length_;
  std::optional<ChunkedBodyScanner> chunked_;
  std::size_t scanned_ = 0;  ///< bytes after the head already fed to chunked_
  std::size_t total_ = 0;
  State state_ = State::need_more;
};

}  // namespace proof::net
