// Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html)
// and the parsing of what a client sends to resume a stream. Pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace proof::core::sse {

/// The exact content type: EventSource fails a stream of any other, and Caddy's reverse
/// proxy flushes this type as it arrives instead of buffering it.
inline constexpr const char* kContentType = "text/event-stream";

/// One complete event block. Every line break inside `data` starts a new `data:` line, so
/// nothing in `data` can end the block early or inject an `id:` or `event:` field.
std::string format_event(std::uint64_t id, std::string_view event, std::string_view data);

/// A block without an id line, for what is not an event of the history (presence, erase):
/// it does not move the browser's Last-Event-ID. `data` is split into lines as above.
std::string format_notice(std::string_view event, std::string_view data);

/// The `retry:` block that tells the browser how long to wait before reconnecting.
std::string format_retry(std::chrono::milliseconds delay);

/// A comment block: keeps proxies from closing an idle stream and reveals dead clients.
std::string_view heartbeat();

/// Parses an event id as sent back in Last-Event-ID or ?lastEventId=: decimal digits only,
/// within 64 bits. Anything else is nullopt (the caller answers 400).
std::optional<std::uint64_t> parse_event_id(std::string_view s);

/// Parses a non-negative decimal count such as ?replay=N, capped at `max` (nullopt on junk).
std::optional<std::size_t> parse_count(std::string_view s, std::size_t max);

}  // namespace proof::core::sse
