// The few Unicode classes that decide what of a text reaches a card: White_Space (where the
// words of a name break), and the bidi controls and invisible format characters, which never
// reach an event (they can show a line reversed, or hide what it holds). Small tables rather
// than ICU, whose data alone is about 30 MB; tests/unit/unicode_tables.cpp checks every code
// point of them against Debian's unicode-data files (PropList.txt, UnicodeData.txt).
// Everything here takes valid UTF-8 (core/text.h checks it first). Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace proof::core::unicode {

/// White_Space (PropList.txt): U+0009-U+000D, U+0020, U+0085, U+00A0, U+1680,
/// U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
bool is_white_space(char32_t cp);

/// Bidi_Control (PropList.txt): U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069.
bool is_bidi_control(char32_t cp);

/// The invisible format characters (general category Cf) that issue 32 names: zero-width
/// space, non-joiner, joiner and the direction marks (U+200B-U+200F), the word joiner and the
/// invisible operators (U+2060-U+2064), and the zero-width no-break space or BOM (U+FEFF).
bool is_invisible_format(char32_t cp);

/// What never reaches an event: a bidi control or an invisible format character.
bool is_hidden(char32_t cp);

/// The marks an initial keeps with its letter, so that "e" + U+0301 stays "é": the blocks
/// Combining Diacritical Marks (U+0300-U+036F), their Extended (U+1AB0-U+1AFF) and
/// Supplement (U+1DC0-U+1DFF), for Symbols (U+20D0-U+20FF), Combining Half Marks
/// (U+FE20-U+FE2F), and the variation selectors U+FE00-U+FE0F.
bool is_combining_mark(char32_t cp);

/// One code point: its value and how many bytes of UTF-8 it took.
struct CodePoint {
  char32_t value = 0;
  std::size_t bytes = 0;

  /// A malformed sequence reads as one byte of U+FFFD; a real U+FFFD takes three.
  bool malformed() const { return value == 0xFFFD && bytes == 1; }
};

/// The code point at the start of non-empty `s`. Never reads past `s`. A malformed sequence
/// (a stray continuation byte, a truncated or overlong sequence, a surrogate, past U+10FFFF)
/// is one byte read as U+FFFD: text::is_valid_utf8 refuses it by this.
CodePoint decode(std::string_view s);

/// `s` without its bidi controls and invisible format characters.
std::string strip_hidden(std::string_view s);

/// `s` without White_Space at either end.
std::string_view trim_white_space(std::string_view s);

/// The words of `s`: the runs between White_Space characters, none empty.
std::vector<std::string_view> words(std::string_view s);

}  // namespace proof::core::unicode
