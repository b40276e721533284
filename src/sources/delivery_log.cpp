#include "sources/delivery_log.h"

#include <fmt/format.h>

namespace proof::sources {

void DeliveryLog::record(Entry entry) {
  std::lock_guard lock(mutex_);
  Totals& totals = totals_[entry.source];
  ++totals.by_outcome[static_cast<std::size_t>(entry.outcome)];
  totals.last = entry.at;
  recent_.push_front(std::move(entry));
  if (recent_.size() > kRecent) recent_.pop_back();
}

std::vector<DeliveryLog::Entry> DeliveryLog::recent() const {
  std::lock_guard lock(mutex_);
  return {recent_.begin(), recent_.end()};
}

DeliveryLog::Totals DeliveryLog::totals(const std::string& source) const {
  std::lock_guard lock(mutex_);
  const auto it = totals_.find(source);
  return it == totals_.end() ? Totals{} : it->second;
}

std::string DeliveryLog::render_metrics(const std::vector<std::string>& sources) const {
  std::string out =
      "# HELP proof_source_deliveries_total Deliveries to /hooks, by source and outcome.\n"
      "# TYPE proof_source_deliveries_total counter\n";
  for (const std::string& source : sources) {
    const Totals t = totals(source);
    for (const DeliveryOutcome outcome : kOutcomes) {
      out +=
          fmt::format("proof_source_deliveries_total{{source=\"{}\",outcome=\"{}\"}} {}\n", source,
                      outcome_label(outcome), t.by_outcome[static_cast<std::size_t>(outcome)]);
    }
  }
  return out;
}

}  // namespace proof::sources
