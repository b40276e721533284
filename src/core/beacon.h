// What the widget reports with navigator.sendBeacon (POST /beacon): a card it showed or a
// click on one. Only which card and what happened; nothing about the visitor. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/signup.h"

namespace proof {

/// A beacon body larger than this is refused (413) before it is parsed.
inline constexpr std::size_t kBeaconBodyBytes = 512;

struct Beacon {
  enum class Kind { kShown, kClick };
  Kind kind = Kind::kShown;
  /// The event whose card it was (signup cards), or nullopt for a `card` beacon.
  std::optional<std::uint64_t> id;
  /// "presence" or "summary" for cards that show no single event; empty with an id.
  std::string card;
};

/// Parses `{"id": ID, "kind": "shown"|"click"}` or `{"card": "presence"|"summary", "kind":
/// ...}`. ID is a positive whole number (or the same in decimal digits as a string, as
/// EventSource gives it to the page). Exactly one of id and card; other keys are ignored.
Outcome<Beacon> parse_beacon(std::string_view body);

}  // namespace proof
