// A history shared by several proof instances (Redis, with --redis). The hub appends to it
// instead of keeping its own sequence; what is appended reaches every instance's hub,
// this one's included, through ingest(), in one order, so every page sees the same events
// with the same ids whichever instance it is connected to.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "core/signup.h"
#include "core/unavailable.h"

namespace proof::core {

/// The shared history could not take an event: nothing was recorded or broadcast.
struct SharedLogError : Unavailable {
  explicit SharedLogError(const std::string& detail)
      : Unavailable(detail, "the shared history (Redis)", 2) {}
};

class SharedLog {
 public:
  virtual ~SharedLog() = default;

  /// Records `signup` and returns its id: numeric, above every id the service has issued,
  /// and at least `now_us`. Throws SharedLogError, quickly, when it cannot.
  virtual std::uint64_t append(const Signup& signup, std::int64_t ts_ms, std::uint64_t now_us) = 0;

  /// Removes event `id` from the shared history and tells every instance (their readers
  /// call Hub::erase_local). Throws SharedLogError when it cannot.
  virtual void erase(std::uint64_t id) = 0;

  /// Whether the instance is reading the shared history now.
  virtual bool connected() const = 0;

  /// Seconds between an event's acceptance and its arrival at this instance, for the last
  /// event read: how far behind this instance is.
  virtual double reader_lag_seconds() const = 0;

  /// Events this instance never read because the shared history dropped them first (it was
  /// away longer than the history lasts), since the start: a gap, said rather than skipped.
  virtual std::uint64_t gap_events() const = 0;
};

}  // namespace proof::core
