// Reading the fields of a card out of a platform's JSON, and making platform text fit for
// a card. Shared by the receivers; pure.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace proof::sources {

/// The value at `path` (object keys, outermost first), or null when any step is missing or
/// not an object.
const nlohmann::json* at(const nlohmann::json& j, std::initializer_list<std::string_view> path);

/// The string at `path`; a number is given as its decimal text (platforms send ids either
/// way); "" for anything else or nothing.
std::string text(const nlohmann::json& j, std::initializer_list<std::string_view> path);

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
