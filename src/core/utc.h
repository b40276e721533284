// The UTC hour and day an instant falls in, counted from the Unix epoch: the buckets of
// every total proof keeps (/summary per hour, /stats per day, in memory, SQLite or Redis),
// so that every store puts the same signup in the same bucket; and an instant as text.
#pragma once

#include <fmt/chrono.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace proof::core {

/// Hours since 1970-01-01T00:00Z, rounded down.
inline std::int64_t utc_hour(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::hours>(t).time_since_epoch().count();
}

/// Days since 1970-01-01 (UTC), rounded down.
inline std::int64_t utc_day(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

/// An instant in seconds since the epoch as ISO 8601 in UTC, to the second:
/// "2025-03-01T12:00:00Z" (a certificate's expiry in logs and /healthz).
inline std::string utc_text(std::int64_t seconds) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(seconds)));
}

}  // namespace proof::core
