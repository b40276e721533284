// What an event says happened: a signup (POST /signup's default) or a purchase (every
// verified source, or POST /signup with kind=purchase). The widget picks its sentence by it,
// and /summary and /stats count purchases apart; the word is the same in the event's JSON,
// the stores, the query string and the operator page.
#pragma once

#include <optional>
#include <string_view>

namespace proof::core {

enum class EventKind {
  kSignup,    ///< "Jane just signed up with Newsletter"
  kPurchase,  ///< "Jane just bought Blue mug"
};

/// Which events a count takes: one kind, or every kind (nullopt).
using KindFilter = std::optional<EventKind>;

/// "signup" or "purchase".
constexpr std::string_view kind_name(EventKind kind) {
  return kind == EventKind::kPurchase ? "purchase" : "signup";
}

/// The kind a word names, exactly as written (lower case); nullopt for any other word.
constexpr std::optional<EventKind> parse_kind(std::string_view name) {
  if (name == "signup") return EventKind::kSignup;
  if (name == "purchase") return EventKind::kPurchase;
  return std::nullopt;
}

/// The kind of a stored event: `name` as stored, or, for an event stored before events had
/// kinds (no name), a purchase when a verified source sent it (it has a source) and a signup
/// otherwise, which is what each was.
constexpr EventKind stored_kind(std::string_view name, std::string_view source) {
  if (const auto kind = parse_kind(name)) return *kind;
  return source.empty() ? EventKind::kSignup : EventKind::kPurchase;
}

}  // namespace proof::core
