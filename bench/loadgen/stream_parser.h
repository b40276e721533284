// Incremental parsing of one HTTP/1.1 response as it arrives in arbitrary pieces: the
// status line and headers, then a body in either chunked or identity framing, and for
// event streams the Server-Sent Events inside that body. Pure logic, no sockets, so the
// same code reads proof's chunked streams and nchan's unchunked ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace loadgen {

/// The status line and the headers that decide how the body is framed.
struct ResponseHead {
  int status = 0;
  bool chunked = false;
  std::optional<std::uint64_t> content_length;
  bool connection_close = false;
};

/// Parses "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n" (the final blank line excluded).
std::optional<ResponseHead> parse_head(std::string_view head);

/// Removes chunked transfer framing, or passes an identity body through, handing the
/// payload bytes to a sink. Tells when the body is complete (last chunk, or content length
/// reached); an identity body without a length ends only when the peer closes.
class BodyDecoder {
 public:
  using Sink = std::function<void(std::string_view)>;

  void reset(const ResponseHead& head);

  /// Feeds raw bytes after the head; returns the number consumed (fewer than given only
  /// once the body is complete: the rest belongs to the next response). Sets error() on
  /// malformed framing.
  std::size_t feed(std::string_view bytes, const Sink& sink);

  bool done() const { return state_ == State::kDone; }
  bool error() const { return state_ == State::kError; }

 private:
  enum class State { kIdentity, kSize, kData, kDataEnd, kTrailer, kDone, kError };
  State state_ = State::kIdentity;
  std::optional<std::uint64_t> identity_left_;
  std::uint64_t chunk_left_ = 0;
  std::string line_;  ///< a chunk-size or trailer line in progress
};

/// One dispatched event: the joined data lines, and the event name if one was given.
struct SseEvent {
  std::string_view event;
  std::string_view data;
};

/// The text/event-stream grammar, fed in arbitrary pieces: lines end in LF, CRLF or CR;
/// comments start with ':'; a blank line dispatches the event gathered so far.
class SseParser {
 public:
  using Handler = std::function<void(const SseEvent&)>;

  void feed(std::string_view bytes, const Handler& on_event);

  std::uint64_t comments() const { return comments_; }
  /// What a browser would send as Last-Event-ID when it reconnects ("" before any id).
  const std::string& last_id() const { return last_id_; }
  /// The reconnection delay the server asked for with `retry:`, if it did.
  std::optional<int> retry_ms() const { return retry_ms_; }

 private:
  void line(std::string_view text, const Handler& on_event);

  std::string line_;
  std::string data_;
  std::string event_;
  bool has_data_ = false;
  bool after_cr_ = false;  ///< the previous piece ended in CR: a following LF is not a line
  std::uint64_t comments_ = 0;
  std::string last_id_;
  std::optional<int> retry_ms_;
};

/// What the generator puts into each published event: its index and send time.
struct Stamp {
  std::uint64_t seq = 0;
  std::int64_t sent_ns = 0;
};

/// Formats a stamp as `<marker><seq>.<ns>`: digits and a dot, which fit in a form field,
/// JSON text and a raw body alike.
std::string format_stamp(std::string_view marker, const Stamp& stamp);

/// Finds the first `<marker><seq>.<ns>` in `text`.
std::optional<Stamp> find_stamp(std::string_view text, std::string_view marker);

}  // namespace loadgen
