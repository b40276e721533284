// Where an accepted signup becomes a card, and where a card is taken back: the one path that
// POST /signup, the verified sources (/hooks) and erasure take, so that the name policy,
// the counts and the log line are the same whichever way an event came.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/display_name.h"
#include "core/hub.h"
#include "core/metrics.h"
#include "core/tallies.h"

namespace proof::core {

/// What is remembered of a published card so it can be taken back after it has left the
/// replay history: its id, when it was accepted, and its channel and kind (which totals
/// count it).
struct CardRef {
  std::uint64_t id = 0;
  std::int64_t ts_ms = 0;
  std::string channel;
  /// The verified sources are what remember cards to take them back, and theirs are all
  /// purchases.
  EventKind kind = EventKind::kPurchase;
};

class Publisher {
 public:
  Publisher(Hub& hub, Metrics& metrics, Tallies& tallies, DisplayName names)
      : hub_(hub), metrics_(metrics), tallies_(tallies), names_(names) {}

  /// Reduces the name by --display-name (before the hub sees it: the full name is never
  /// stored or broadcast), publishes, and counts it. `from` (a client address) is for the
  /// log line. Throws what Hub::publish throws, and then nothing was published or counted.
  EventPtr publish(Signup signup, std::string_view from);

  /// Erasure: the event leaves the history, the store or Redis, and every open page
  /// (`event: erase`), and the totals of /summary and /stats no longer count it. `known`
  /// describes an event the history may no longer hold (a take-back days later): its totals
  /// are still corrected. Returns false when neither the history nor `known` has it.
  /// Throws what Hub::erase throws.
  bool erase(std::uint64_t id, const std::optional<CardRef>& known = std::nullopt);

  Hub& hub() { return hub_; }

 private:
  Hub& hub_;
  Metrics& metrics_;
  Tallies& tallies_;
  DisplayName names_;
};

}  // namespace proof::core
