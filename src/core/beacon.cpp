#include "core/beacon.h"

#include <nlohmann/json.hpp>

#include "core/sse.h"

namespace proof::core {

namespace {

Refusal malformed(std::string message) {
  return {.status = 400, .reason = RejectReason::kMalformed, .message = std::move(message)};
}

}  // namespace

Outcome<Beacon> parse_beacon(std::string_view body) {
  // Depth and size are bounded by kBeaconBodyBytes, checked by the caller first.
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return malformed("the body is not JSON");
  if (!json.is_object()) return malformed("the body must be a JSON object");

  Beacon beacon;
  const auto kind = json.find("kind");
  constexpr const char* kKinds = "\"kind\" must be \"shown\", \"click\", \"visit\" or \"goal\"";
  if (kind == json.end() || !kind->is_string()) return malformed(kKinds);
  if (*kind == "shown") {
    beacon.kind = Beacon::Kind::kShown;
  } else if (*kind == "click") {
    beacon.kind = Beacon::Kind::kClick;
  } else if (*kind == "visit") {
    beacon.kind = Beacon::Kind::kVisit;
  } else if (*kind == "goal") {
    beacon.kind = Beacon::Kind::kGoal;
  } else {
    return malformed(std::string("unknown kind: ") + kKinds);
  }

  const auto id = json.find("id");
  const auto card = json.find("card");
  const bool has_id = id != json.end() && !id->is_null();
  const bool has_card = card != json.end() && !card->is_null();
  if (beacon.kind == Beacon::Kind::kVisit || beacon.kind == Beacon::Kind::kGoal) {
    // The experiment's beacons are about the page, not about a card.
    if (has_id || has_card) return malformed("a visit or goal beacon has no \"id\" or \"card\"");
    if (beacon.kind == Beacon::Kind::kVisit) return beacon;
    const auto goal = json.find("goal");
    if (goal == json.end() || !goal->is_string() ||
        !is_valid_channel(goal->get_ref<const std::string&>())) {
      return malformed("\"goal\" must name the goal: 1-64 characters of a-z, 0-9, _ and -");
    }
    beacon.goal = goal->get<std::string>();
    return beacon;
  }
  if (has_id == has_card) return malformed("give either \"id\" or \"card\", not both or neither");
  if (has_id) {
    std::optional<std::uint64_t> value;
    if (id->is_number_unsigned()) {
      value = id->get<std::uint64_t>();
    } else if (id->is_string()) {
      value = sse::parse_event_id(id->get_ref<const std::string&>());
    }
    if (!value || *value == 0) return malformed("\"id\" must be an event id (a whole number)");
    beacon.id = value;
    return beacon;
  }
  if (!card->is_string() || (*card != "presence" && *card != "summary")) {
    return malformed("\"card\" must be \"presence\" or \"summary\"");
  }
  beacon.card = card->get<std::string>();
  return beacon;
}

}  // namespace proof::core
