// The live count ("23 people are looking at this right now"): how many pages are open, on a
// channel or on the whole site, and when a stream that asked for it is due a new number.
// Pure: no sockets, no clock of its own (the caller passes `now`), so both rules are
// unit-tested directly. The fan-out drives it from the loop threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace proof::core {

/// Open pages per channel, this instance's plus what other instances report.
class PresenceCount {
 public:
  /// A stream opened / closed on `channel` ("" for none).
  void open(const std::string& channel);
  void close(const std::string& channel);

  /// Pages open elsewhere (other instances sharing a backend): `count` on `channel`, or in
  /// all when `channel` is empty. Replaces the previous figure for that channel; 0 clears it.
  void set_remote(const std::string& channel, std::size_t count);

  /// Replaces every figure from other instances at once (channel "" for all).
  void replace_remote(const std::vector<std::pair<std::string, std::size_t>>& counts);

  /// Pages open now on `channel`, or on the whole site when it is empty.
  std::size_t count(const std::string& channel) const;

  /// This instance's own pages: ("", all of them) first, then each channel with any open.
  std::vector<std::pair<std::string, std::size_t>> local_counts() const;

  /// Moves on every open() and close(): whether local_counts() is worth reading again.
  std::uint64_t local_version() const { return local_version_; }

 private:
  std::uint64_t local_version_ = 0;
  std::size_t local_total_ = 0;
  std::unordered_map<std::string, std::size_t> local_;   ///< per non-empty channel
  std::unordered_map<std::string, std::size_t> remote_;  ///< "" is the site-wide addend
};

/// The live count's way between the event loop and the thread that shares it with other
/// instances (--redis): the loop posts its own counts when they change and takes the
/// others' when new ones came; the sharing thread does the opposite. Neither waits on the
/// other for more than a copy.
class PresenceExchange {
 public:
  using Counts = std::vector<std::pair<std::string, std::size_t>>;

  /// Loop thread: this instance's counts (PresenceCount::local_counts) are now `counts`.
  void post_local(Counts counts);
  /// Loop thread: the other instances' counts, if new ones arrived since the last take.
  std::optional<Counts> take_remote();

  /// Sharing thread: this instance's counts as last posted (none posted: all zero).
  Counts local() const;
  /// Sharing thread: the sum of the other instances' counts, per channel ("" for all).
  void post_remote(Counts counts);

 private:
  mutable std::mutex mutex_;
  Counts local_{{std::string(), 0}};
  std::optional<Counts> remote_;
};

/// The live count of one instance, shared by all its event loops (--threads): each loop's
/// streams open and close here, so a count is exact whichever loop holds a stream; through
/// it, the counts meet other instances' (--redis). Thread-safe.
class PresenceBoard {
 public:
  /// `exchange`: where the counts meet other instances'; null: this instance alone.
  explicit PresenceBoard(PresenceExchange* exchange = nullptr) : exchange_(exchange) {}

  void open(const std::string& channel);
  void close(const std::string& channel);
  /// Pages open now on `channel` (or on the whole site), here and on other instances.
  std::size_t count(const std::string& channel) const;
  /// Pages open on other instances (PresenceCount::set_remote).
  void set_remote(const std::string& channel, std::size_t count);

  /// Ours out to the exchange when they changed, theirs in when new ones came. Any loop's
  /// tick may call it; what was already done is not done again.
  void exchange();

 private:
  mutable std::mutex mutex_;
  PresenceCount pages_;
  PresenceExchange* exchange_;
  std::uint64_t posted_ = 0;  ///< the local_version() last posted to the exchange
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

}  // namespace proof::core
