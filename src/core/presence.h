// The live count ("23 people are looking at this right now"): how many pages are open, on a
// channel or on the whole site, and when a stream that asked for it is due a new number.
// Pure: no sockets, no clock of its own (the caller passes `now`), so both rules are
// unit-tested directly. The fan-out drives it on the loop thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace proof {

/// Open pages per channel, this instance's plus what other instances report.
class PresenceCount {
 public:
  /// A stream opened / closed on `channel` ("" for none).
  void open(const std::string& channel);
  void close(const std::string& channel);

  /// Pages open elsewhere (other instances sharing a backend): `count` on `channel`, or in
  /// all when `channel` is empty. Replaces the previous figure for that channel; 0 clears it.
  void set_remote(const std::string& channel, std::size_t count);

  /// Pages open now on `channel`, or on the whole site when it is empty.
  std::size_t count(const std::string& channel) const;

 private:
  std::size_t local_total_ = 0;
  std::unordered_map<std::string, std::size_t> local_;   ///< per non-empty channel
  std::unordered_map<std::string, std::size_t> remote_;  ///< "" is the site-wide addend
};

/// What one stream was last told.
struct PresenceSent {
  bool any = false;  ///< nothing sent yet: the first count goes out at once
  std::size_t count = 0;
  std::chrono::steady_clock::time_point at{};
};

/// The count to send a stream now, if one is due: at once when nothing was sent yet, then
/// only when the count differs from the last one sent and `interval` has passed since it.
/// When one is due, `sent` is updated as if it were sent.
std::optional<std::size_t> presence_due(PresenceSent& sent, std::size_t count,
                                        std::chrono::steady_clock::time_point now,
                                        std::chrono::seconds interval);

/// `event: presence` with `data: {"count":N}`; no id line, so it does not move the
/// browser's Last-Event-ID.
std::string presence_frame(std::size_t count);

}  // namespace proof
