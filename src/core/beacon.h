// What the widget reports with navigator.sendBeacon (POST /beacon): a card it showed or a
// click on one, and for the holdout experiment a page view or a goal reached. Only which
// card and what happened; nothing about the visitor (the server derives the visitor's arm
// itself). Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/signup.h"

namespace proof::core {

/// A beacon body larger than this is refused (413) before it is parsed.
inline constexpr std::size_t kBeaconBodyBytes = 512;

struct Beacon {
  enum class Kind {
    kShown,  ///< a card was shown
    kClick,  ///< a card's link was clicked
    kVisit,  ///< a page view (the experiment's visitor-day)
    kGoal,   ///< a goal page was reached (the experiment's conversion)
  };
  Kind kind = Kind::kShown;
  /// The event whose card it was (signup cards), or nullopt for a `card` beacon.
  std::optional<std::uint64_t> id;
  /// "presence" or "summary" for cards that show no single event; empty with an id.
  std::string card;
  /// The goal's name (`data-goal="purchase"`), for kGoal.
  std::string goal;
};

/// Parses `{"id": ID, "kind": "shown"|"click"}` or `{"card": "presence"|"summary", "kind":
/// ...}`, `{"kind": "visit"}` or `{"kind": "goal", "goal": NAME}`. ID is a positive whole
/// number (or the same in decimal digits as a string, as EventSource gives it to the page).
/// Exactly one of id and card for shown and click; neither for visit and goal. NAME is
/// 1-64 of a-z, 0-9, _ and - (as a channel). Other keys are ignored; any other kind is a 400.
Outcome<Beacon> parse_beacon(std::string_view body);

}  // namespace proof::core
