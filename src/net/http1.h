// The HTTP/1.1 bytes the event loop writes itself, in one place: its own refusals, the head
// of an event stream, and the chunk framing of everything a stream is sent. Pure.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/refusal.h"
#include "net/request_handler.h"

namespace proof::net {

/// A complete answer for what never reaches a worker: the same body and headers as the
/// HTTP layer's refusals (core/refusal.h), and the connection ends after it.
std::string refusal_bytes(const core::Refusal& refusal);

/// The head of an event stream: the handler's headers without framing ones, then chunked
/// coding on HTTP/1.1, or `Connection: close` on HTTP/1.0 (which has no chunked coding, so
/// the stream's end is the connection's end).
std::string stream_head(const StreamOpening& opening, bool http10, bool hsts);

/// "1f\r\n": the size line of a chunk, without allocating.
class ChunkHead {
 public:
  ChunkHead() = default;
  explicit ChunkHead(std::size_t size);
  std::string_view view() const { return {text_.data(), size_}; }

 private:
  std::array<char, 20> text_{};
  std::size_t size_ = 0;
};

/// What ends a chunked body: the last chunk.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

/// Appends to `pieces` what carries `body` on a stream: one chunk on HTTP/1.1 (`head`, the
/// bytes, CRLF), the bytes alone on HTTP/1.0. `head` must be ChunkHead(body.size()) and
/// outlive the pieces.
void frame(std::vector<std::string_view>& pieces, bool chunked, const ChunkHead& head,
           std::string_view body);

}  // namespace proof::net
