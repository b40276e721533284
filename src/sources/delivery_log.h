// What arrived at /hooks, for the operator: counts by source and outcome since the start
// (/metrics: proof_source_deliveries_total), each source's last delivery, and the last 50
// deliveries, newest first (the Sources panel of /admin, GET /hooks/recent). This
// instance's own, in memory; nothing about the buyer but the name as the card shows it.
// Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sources/intake.h"

namespace proof::sources {

class DeliveryLog {
 public:
  static constexpr std::size_t kRecent = 50;

  struct Entry {
    Clock::time_point at;
    std::string source;
    DeliveryOutcome outcome;
    std::string reason;  ///< why it was ignored or refused ("unpaid", "duplicate"...)
    std::string name;    ///< as shown, when a card was published
    std::uint64_t id;    ///< the card published or erased, else 0
  };

  /// Per source: deliveries by outcome, and when the last one came.
  struct Totals {
    std::array<std::uint64_t, std::size(kOutcomes)> by_outcome{};
    std::optional<Clock::time_point> last;
  };

  void record(Entry entry);

  /// The last kRecent deliveries, newest first.
  std::vector<Entry> recent() const;

  /// The totals of `source` (zeros for one that has had no delivery).
  Totals totals(const std::string& source) const;

  /// proof_source_deliveries_total for each of `sources`, every outcome listed (zeros too,
  /// so that a rate over it starts from the first delivery).
  std::string render_metrics(const std::vector<std::string>& sources) const;

 private:
  mutable std::mutex mutex_;
  std::deque<Entry> recent_;
  std::map<std::string, Totals> totals_;
};

}  // namespace proof::sources
