#include "core/unicode.h"

#include <algorithm>
#include <array>

namespace proof::core::unicode {

namespace {

/// A closed range of code points.
struct Range {
  char32_t first;
  char32_t last;
};

// Sorted, non-overlapping; tests/unit/unicode_tables.cpp compares each with the data files.
constexpr std::array<Range, 10> kWhiteSpace{{{0x0009, 0x000D},
                                             {0x0020, 0x0020},
                                             {0x0085, 0x0085},
                                             {0x00A0, 0x00A0},
                                             {0x1680, 0x1680},
                                             {0x2000, 0x200A},
                                             {0x2028, 0x2029},
                                             {0x202F, 0x202F},
                                             {0x205F, 0x205F},
                                             {0x3000, 0x3000}}};

constexpr std::array<Range, 4> kBidiControl{
    {{0x061C, 0x061C}, {0x200E, 0x200F}, {0x202A, 0x202E}, {0x2066, 0x2069}}};

constexpr std::array<Range, 3> kInvisibleFormat{
    {{0x200B, 0x200F}, {0x2060, 0x2064}, {0xFEFF, 0xFEFF}}};

constexpr std::array<Range, 6> kCombiningMark{{{0x0300, 0x036F},
                                               {0x1AB0, 0x1AFF},
                                               {0x1DC0, 0x1DFF},
                                               {0x20D0, 0x20FF},
                                               {0xFE00, 0xFE0F},
                                               {0xFE20, 0xFE2F}}};

template <std::size_t N>
bool in(const std::array<Range, N>& table, char32_t cp) {
  return std::any_of(table.begin(), table.end(),
                     [cp](const Range& r) { return cp >= r.first && cp <= r.last; });
}

}  // namespace

bool is_white_space(char32_t cp) {
  return in(kWhiteSpace, cp);
}

bool is_bidi_control(char32_t cp) {
  return in(kBidiControl, cp);
}

bool is_invisible_format(char32_t cp) {
  return in(kInvisibleFormat, cp);
}

bool is_hidden(char32_t cp) {
  return is_bidi_control(cp) || is_invisible_format(cp);
}

bool is_combining_mark(char32_t cp) {
  return in(kCombiningMark, cp);
}

CodePoint decode(std::string_view s) {
  constexpr CodePoint kMalformed{0xFFFD, 1};
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return {b0, 1};
  std::size_t len = 0;
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07u;
  } else {
    return kMalformed;
  }
  if (len > s.size()) return kMalformed;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(k) & 0xC0u) != 0x80u) return kMalformed;
    cp = (cp << 6) | (byte(k) & 0x3Fu);
  }
  if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return kMalformed;
  if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return kMalformed;
  return {cp, len};
}

std::string strip_hidden(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const CodePoint c = decode(s);
    if (!is_hidden(c.value)) out.append(s.substr(0, c.bytes));
    s.remove_prefix(c.bytes);
  }
  return out;
}

std::string_view trim_white_space(std::string_view s) {
  std::size_t begin = s.size();
  std::size_t end = 0;
  for (std::size_t i = 0; i < s.size();) {
    const CodePoint c = decode(s.substr(i));
    if (!is_white_space(c.value)) {
      begin = std::min(begin, i);
      end = i + c.bytes;
    }
    i += c.bytes;
  }
  return begin < end ? s.substr(begin, end - begin) : std::string_view{};
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;  // of the current word
  for (std::size_t i = 0; i < s.size();) {
    const CodePoint c = decode(s.substr(i));
    if (is_white_space(c.value)) {
      if (i > start) out.push_back(s.substr(start, i - start));
      start = i + c.bytes;
    }
    i += c.bytes;
  }
  if (s.size() > start) out.push_back(s.substr(start));
  return out;
}

}  // namespace proof::core::unicode
