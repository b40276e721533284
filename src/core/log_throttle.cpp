#include "core/log_throttle.h"

#include <algorithm>

namespace proof {

LogThrottle::LogThrottle(double per_second, double burst)
    : per_second_(per_second), burst_(burst), tokens_(burst) {}

bool LogThrottle::allow(Clock::time_point now, std::uint64_t& skipped) {
  std::lock_guard lock(mutex_);
  if (started_ && now > last_) {
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * per_second_);
  }
  if (!started_ || now > last_) last_ = now;
  started_ = true;
  if (tokens_ < 1.0) {
    ++skipped_;
    return false;
  }
  tokens_ -= 1.0;
  skipped = skipped_;
  skipped_ = 0;
  return true;
}

std::string skipped_note(std::uint64_t skipped) {
  if (skipped == 0) return {};
  return " (" + std::to_string(skipped) + " more refusals not logged)";
}

LogThrottle& refusal_log() {
  static LogThrottle throttle(20, 50);
  return throttle;
}

}  // namespace proof
