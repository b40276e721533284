#include "core/metrics.h"

#include <sstream>

namespace proof::core {

namespace {

void family(std::ostringstream& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::string Metrics::render(std::size_t subscribers) const {
  std::ostringstream out;
  family(out, "proof_subscribers", "gauge", "Event streams open now.");
  out << "proof_subscribers " << subscribers << '\n';
  family(out, "proof_events_published_total", "counter", "Signups accepted and broadcast.");
  out << "proof_events_published_total " << events_published_.load() << '\n';
  family(out, "proof_deliveries_total", "counter", "Events written to streams.");
  out << "proof_deliveries_total " << deliveries_.load() << '\n';
  family(out, "proof_subscribers_dropped_total", "counter",
         "Streams ended because a write failed or timed out (client gone or not reading).");
  out << "proof_subscribers_dropped_total " << subscribers_dropped_.load() << '\n';
  family(out, "proof_cards_shown_total", "counter",
         "Cards the widget reported shown (POST /beacon, kind shown).");
  out << "proof_cards_shown_total " << cards_shown_.load() << '\n';
  family(out, "proof_card_clicks_total", "counter",
         "Clicks on cards the widget reported (POST /beacon, kind click).");
  out << "proof_card_clicks_total " << card_clicks_.load() << '\n';
  family(out, "proof_forwarded_for_ignored_total", "counter",
         "X-Forwarded-For headers from a trusted proxy ignored because a hop was not an IP "
         "address (the peer's address counted instead).");
  out << "proof_forwarded_for_ignored_total " << forwarded_ignored_.load() << '\n';
  family(out, "proof_api_key_lockouts_total", "counter",
         "Requests refused (429) because their address sent too many wrong API keys lately; "
         "also counted as rejected for reason unauthorized.");
  out << "proof_api_key_lockouts_total " << key_lockouts_.load() << '\n';
  family(out, "proof_requests_rejected_total", "counter", "Requests refused, by reason.");
  for (std::size_t i = 0; i < rejected_.size(); ++i) {
    out << "proof_requests_rejected_total{reason=\"" << reason_label(static_cast<RejectReason>(i))
        << "\"} " << rejected_[i].load() << '\n';
  }
  const std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - started_;
  family(out, "proof_uptime_seconds", "gauge", "Seconds since the server started.");
  out << "proof_uptime_seconds " << uptime.count() << '\n';
  return out.str();
}

}  // namespace proof::core
