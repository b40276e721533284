// The origins the Origin check refused lately (issue 36 item 5), for the operator: a shop
// whose page is missing from --allowed-origin shows up on /admin (GET /hooks/recent) with
// how often it was refused and the flag that lets it in, instead of only in the log.
//
// Bounded whatever arrives: an Origin header is free to forge, so the table holds at most
// kKept origins of at most kMaxOriginBytes each. Which one goes when a new origin comes to
// a full table is chosen so that a flood of forged origins does not hide a real shop:
// see RefusedOrigins::record().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proof::http {

class RefusedOrigins {
 public:
  using Clock = std::chrono::system_clock;

  /// Distinct origins listed at most.
  static constexpr std::size_t kKept = 20;
  /// Bytes of an origin kept: "https://" + the longest DNS name (253) + ":65535" fits. A
  /// longer one is cut (with "...") and can be no origin --allowed-origin accepts.
  static constexpr std::size_t kMaxOriginBytes = 280;

  struct Entry {
    std::string origin;  ///< as sent (control bytes as '?', cut at kMaxOriginBytes)
    std::uint64_t count = 0;
    Clock::time_point first_seen;
    Clock::time_point last_seen;
    /// The --allowed-origin value that lets this origin in, or nullopt when none can (the
    /// opaque "null" of sandboxed frames and file: pages, or something no browser sends).
    std::optional<std::string> allow;
  };

  /// What --allowed-origin takes to let `origin` in (its normal form), or nullopt when
  /// nothing does: "null", something no browser sends, or one that only "*" (every site)
  /// would let in.
  static std::optional<std::string> setting_for(std::string_view origin);

  /// Counts one refusal of `origin` at `now`. A new origin on a full table takes the place
  /// of the least recently refused origin of those refused only once, or, when every one
  /// was refused more than once, of the least recently refused one. So a flood of origins
  /// sent once each (what forging costs least) only ever replaces its own kind, and a real
  /// page, whose widget retries a refused stream within seconds, is held as soon as its
  /// second refusal comes. (A sender that repeats each forged origin can still crowd it out
  /// for a while; /metrics counts every refusal under reason="origin" regardless.)
  void record(std::string_view origin, Clock::time_point now);

  /// The origins held, the most recently refused first.
  std::vector<Entry> recent() const;

  /// How many origins are held (at most kKept).
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;  ///< in no order; kKept is small enough to scan
};

}  // namespace proof::http
