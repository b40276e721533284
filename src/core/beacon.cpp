#include "core/beacon.h"

#include <nlohmann/json.hpp>

#include "core/sse.h"

namespace proof {

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
  if (kind == json.end() || !kind->is_string()) {
    return malformed("\"kind\" must be \"shown\" or \"click\"");
  }
  if (*kind == "shown") {
    beacon.kind = Beacon::Kind::kShown;
  } else if (*kind == "click") {
    beacon.kind = Beacon::Kind::kClick;
  } else {
    return malformed("unknown kind: \"kind\" must be \"shown\" or \"click\"");
  }

  const auto id = json.find("id");
  const auto card = json.find("card");
  const bool has_id = id != json.end() && !id->is_null();
  const bool has_card = card != json.end() && !card->is_null();
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

}  // namespace proof
