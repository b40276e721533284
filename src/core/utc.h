// The UTC hour and day an instant falls in, counted from the Unix epoch: the buckets of
// every total proof keeps (/summary per hour, /stats per day, in memory, SQLite or Redis),
// so that every store puts the same signup in the same bucket.
#pragma once

#include <chrono>
#include <cstdint>

namespace proof {

/// Hours since 1970-01-01T00:00Z, rounded down.
inline std::int64_t utc_hour(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::hours>(t).time_since_epoch().count();
}

/// Days since 1970-01-01 (UTC), rounded down.
inline std::int64_t utc_day(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

}  // namespace proof
