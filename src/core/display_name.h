// How much of a signup's name reaches a page (--display-name): the reduction happens before
// an event is stored or broadcast, so the full name is never kept. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace proof {

enum class DisplayName {
  kInitial,  ///< "Jane Doe" -> "Jane D."; a single word stays as it is
  kFirst,    ///< "Jane Doe" -> "Jane"
  kFull,     ///< as posted
  kNone,     ///< every name is "someone"
};

/// Parses the setting's value (initial, first, full, none); nullopt for anything else.
std::optional<DisplayName> parse_display_name(std::string_view mode);

/// `name` (trimmed, valid UTF-8) as `mode` shows it. Words are split on ASCII white space;
/// an initial is the whole first code point of the last word, never a broken byte.
std::string reduce_name(std::string_view name, DisplayName mode);

}  // namespace proof
