#include "core/metrics.h"

#include <sstream>

namespace proof {

namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(RejectReason::kCount)> kLabels = {
    "unauthorized", "malformed",      "invalid_field", "too_large", "unsupported_media_type",
    "origin",       "subscriber_cap", "bad_request",   "not_found", "method",
    "rate_limited", "address_cap",
};

void family(std::ostringstream& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::string_view reason_label(RejectReason reason) {
  return kLabels.at(static_cast<std::size_t>(reason));
}

RejectReason reason_from_label(std::string_view label) {
  for (std::size_t i = 0; i < kLabels.size(); ++i) {
    if (kLabels[i] == label) return static_cast<RejectReason>(i);
  }
  return RejectReason::kBadRequest;
}

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
  family(out, "proof_requests_rejected_total", "counter", "Requests refused, by reason.");
  for (std::size_t i = 0; i < kLabels.size(); ++i) {
    out << "proof_requests_rejected_total{reason=\"" << kLabels[i] << "\"} " << rejected_[i].load()
        << '\n';
  }
  const std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - started_;
  family(out, "proof_uptime_seconds", "gauge", "Seconds since the server started.");
  out << "proof_uptime_seconds " << uptime.count() << '\n';
  return out.str();
}

}  // namespace proof
