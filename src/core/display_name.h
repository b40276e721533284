// How much of a signup's name reaches a page (--display-name): the reduction happens before
// an event is stored or broadcast, so the full name is never kept. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace proof::core {

enum class DisplayName {
  kInitial,  ///< "Jane Doe" -> "Jane D."; a single word stays as it is
  kFirst,    ///< "Jane Doe" -> "Jane"
  kFull,     ///< every word, one space between each
  kNone,     ///< every name is "someone"
};

/// Parses the setting's value (initial, first, full, none); nullopt for anything else.
std::optional<DisplayName> parse_display_name(std::string_view mode);

/// `name` (valid UTF-8) as `mode` shows it. In every mode the bidi controls and invisible
/// format characters go first (core/unicode.h), then words are split on every Unicode
/// White_Space character (U+3000 and U+00A0 as much as ' '), so "山田　太郎" is two words
/// and the result holds no white space but single U+0020 between words. An initial is the
/// whole first code point of the last word with the combining marks that follow it
/// ("e" + U+0301 stays "é"), never a broken byte; it is not a full grapheme cluster (an
/// emoji sequence keeps its first code point only), which is enough for a name's letter.
/// No word at all gives "someone".
std::string reduce_name(std::string_view name, DisplayName mode);

}  // namespace proof::core
