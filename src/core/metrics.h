// Counters behind GET /metrics, rendered in the Prometheus text exposition format.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/refusal.h"

namespace proof::core {

class Metrics {
 public:
  Metrics() : started_(std::chrono::steady_clock::now()) {}

  void published() { events_published_.fetch_add(1, std::memory_order_relaxed); }
  void delivered(std::uint64_t n) { deliveries_.fetch_add(n, std::memory_order_relaxed); }
  void dropped() { subscribers_dropped_.fetch_add(1, std::memory_order_relaxed); }
  void card_shown() { cards_shown_.fetch_add(1, std::memory_order_relaxed); }
  void card_clicked() { card_clicks_.fetch_add(1, std::memory_order_relaxed); }
  /// A trusted proxy's X-Forwarded-For named a hop that is not an IP address: ignored.
  void forwarded_for_ignored() { forwarded_ignored_.fetch_add(1, std::memory_order_relaxed); }
  /// A request refused because its address guessed API keys too often (429).
  void key_lockout() { key_lockouts_.fetch_add(1, std::memory_order_relaxed); }
  void rejected(RejectReason reason) {
    rejected_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }

  std::uint64_t rejected_count(RejectReason reason) const {
    return rejected_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }

  /// The exposition text; `subscribers` is sampled by the caller from the hub.
  std::string render(std::size_t subscribers) const;

 private:
  std::chrono::steady_clock::time_point started_;
  std::atomic<std::uint64_t> events_published_{0};
  std::atomic<std::uint64_t> deliveries_{0};
  std::atomic<std::uint64_t> subscribers_dropped_{0};
  std::atomic<std::uint64_t> cards_shown_{0};
  std::atomic<std::uint64_t> card_clicks_{0};
  std::atomic<std::uint64_t> forwarded_ignored_{0};
  std::atomic<std::uint64_t> key_lockouts_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(RejectReason::kCount)>
      rejected_{};
};

}  // namespace proof::core
