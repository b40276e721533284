// UTF-8 of a code point, for tests that walk a list of code points (the White_Space list,
// the hidden characters) rather than spell each one's bytes, and a way to put one in a
// pattern. Written from RFC 3629 §3, apart from src/, so that a test does not check the
// code with itself.
#pragma once

#include <string>
#include <string_view>

namespace proof::test {

/// The UTF-8 bytes of `cp` (a scalar value: not a surrogate, at most U+10FFFF).
inline std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

/// `pattern` with each '_' replaced by `ch`: fill("_Jane__Doe", sp).
inline std::string fill(std::string_view pattern, const std::string& ch) {
  std::string out;
  for (const char c : pattern) {
    if (c == '_') {
      out += ch;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace proof::test
