// Reading the fields of a card out of a platform's JSON, and making platform text fit for
// a card. Shared by the receivers; pure.
#pragma once

#include <chrono>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace proof::sources {

/// The value at `path` (object keys, outermost first), or null when any step is missing or
/// not an object.
const nlohmann::json* at(const nlohmann::json& j, std::initializer_list<std::string_view> path);

/// The string at `path`; a number is given as its decimal text (platforms send ids either
/// way); "" for anything else or nothing.
std::string text(const nlohmann::json& j, std::initializer_list<std::string_view> path);

/// A time as the platforms write it in their bodies (RFC 3339 and the like):
/// "2026-12-04T07:00:00-05:00" (Shopify), "2026-12-04T12:00:00" (WooCommerce's *_gmt, UTC
/// without a zone), "2026-12-04T12:00:00.000000Z" (Lemon Squeezy). Fractions of a second
/// are dropped. nullopt for anything else, a date that does not exist, or a year outside
/// 1900 to 2200.
std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text);

/// parse_time of the string at `path`.
std::optional<std::chrono::system_clock::time_point> time_at(
    const nlohmann::json& j, std::initializer_list<std::string_view> path);

/// Whether the value at `path` is the boolean true.
bool is_true(const nlohmann::json& j, std::initializer_list<std::string_view> path);

/// Platform text as a card may show it: control characters become spaces, runs of white
/// space one space, no white space at either end, and at most limits::kNameChars
/// characters (cut at a character boundary, with "…"), so a long product title never turns
/// a real purchase into a refusal.
std::string card_text(std::string_view raw);

/// "Jane Doe" from a first and a last name, either of which may be empty.
std::string full_name(std::string_view first, std::string_view last);

/// The body as a JSON object, or null (discarded) when it is not one.
nlohmann::json parse_object(std::string_view body);

}  // namespace proof::sources
