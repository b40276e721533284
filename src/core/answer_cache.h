// A few answers kept for a short time, so a crowd of page loads asking the same question
// (GET /summary) costs one count per few seconds. Bounded: keys come from pages (channel
// names), so past `capacity` fresh entries nothing more is kept and each new question is
// simply answered afresh. Thread-safe; the clock is a parameter.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace proof::core {

class AnswerCache {
 public:
  using Clock = std::chrono::steady_clock;

  AnswerCache(std::size_t capacity, Clock::duration ttl) : capacity_(capacity), ttl_(ttl) {}

  /// The answer kept for `key`, if it is younger than the time to live.
  std::optional<std::string> find(const std::string& key, Clock::time_point now) const;

  /// Keeps `answer` for `key` from `now`, unless the cache is full of fresh answers.
  void keep(const std::string& key, std::string answer, Clock::time_point now);

  std::size_t size() const;

 private:
  struct Entry {
    std::string answer;
    Clock::time_point until;
  };
  mutable std::mutex mutex_;
  std::size_t capacity_;
  Clock::duration ttl_;
  std::map<std::string, Entry> entries_;
};

}  // namespace proof::core
