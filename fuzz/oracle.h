// Independent re-statements of the rules the fuzz targets check src/ against. They are
// written from the documentation (signup.h, sse.h, README "Publishing"), not copied from
// the implementation, so a target can catch a rule the code gets wrong, not only a crash.
#pragma once

#include "sse_parser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proof::fuzz {

/// Prints what broke and aborts: libFuzzer records the input as a crash.
[[noreturn]] inline void violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "INVARIANT VIOLATED: %s", what);
  if (!detail.empty()) {
    std::fprintf(stderr, " [");
    for (const char c : detail) {
      const auto b = static_cast<unsigned char>(c);
      if (b >= 0x20 && b < 0x7F && c != '\\') {
        std::fputc(c, stderr);
      } else {
        std::fprintf(stderr, "\\x%02x", b);
      }
    }
    std::fprintf(stderr, "]");
  }
  std::fprintf(stderr, "\n");
  std::abort();
}

#define PROOF_FUZZ_CHECK(cond, detail)                     \
  do {                                                     \
    if (!(cond)) ::proof::fuzz::violated(#cond, (detail)); \
  } while (0)

/// Code points of strict UTF-8 (Unicode 15, table 3-7), or nullopt when ill-formed.
inline std::optional<std::vector<char32_t>> decode_utf8(std::string_view s) {
  std::vector<char32_t> out;
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto in = [](unsigned char b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  while (i < s.size()) {
    const unsigned char b0 = at(i);
    if (b0 <= 0x7F) {
      out.push_back(b0);
      i += 1;
      continue;
    }
    std::size_t n = 0;
    unsigned lo1 = 0x80, hi1 = 0xBF;
    if (in(b0, 0xC2, 0xDF)) {
      n = 2;
    } else if (b0 == 0xE0) {
      n = 3, lo1 = 0xA0;
    } else if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) {
      n = 3;
    } else if (b0 == 0xED) {
      n = 3, hi1 = 0x9F;  // no surrogates
    } else if (b0 == 0xF0) {
      n = 4, lo1 = 0x90;
    } else if (in(b0, 0xF1, 0xF3)) {
      n = 4;
    } else if (b0 == 0xF4) {
      n = 4, hi1 = 0x8F;  // nothing above U+10FFFF
    } else {
      return std::nullopt;
    }
    if (s.size() - i < n) return std::nullopt;
    if (!in(at(i + 1), lo1, hi1)) return std::nullopt;
    for (std::size_t k = 2; k < n; ++k) {
      if (!in(at(i + k), 0x80, 0xBF)) return std::nullopt;
    }
    char32_t cp = n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (at(i + k) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

/// C0 controls, DEL and C1 controls: none may appear in a field.
inline bool is_control(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

/// White_Space as README "Publishing" lists it (PropList.txt): what separates words.
inline bool is_unicode_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

/// The bidi controls and invisible format characters README "Publishing" says never reach
/// an event.
inline bool is_hidden(char32_t cp) {
  return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

/// UTF-8 of one code point (RFC 3629).
inline std::string encode_utf8(char32_t cp) {
  std::string out;
  const auto put = [&](char32_t b) { out.push_back(static_cast<char>(b)); };
  if (cp < 0x80) {
    put(cp);
    return out;
  }
  if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
  }
  put(0x80 | (cp & 0x3F));
  return out;
}

/// A text field as a card shows it (README "Publishing"): hidden characters removed, then
/// Unicode white space trimmed at both ends. `cps` is valid UTF-8's code points.
inline std::string shown_text(const std::vector<char32_t>& cps) {
  std::vector<char32_t> kept;
  for (const char32_t cp : cps) {
    if (!is_hidden(cp)) kept.push_back(cp);
  }
  std::size_t begin = 0;
  std::size_t end = kept.size();
  while (begin < end && is_unicode_space(kept[begin])) ++begin;
  while (end > begin && is_unicode_space(kept[end - 1])) --end;
  std::string out;
  for (std::size_t i = begin; i < end; ++i) out += encode_utf8(kept[i]);
  return out;
}

inline bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

inline std::string_view strip(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

inline bool iequals_prefix(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

/// The documented URL rule: "http(s)://" plus a host, or "/" not followed by "/"; no
/// white space, control characters (ASCII ones: bytes up to 0x20 and DEL) or backslashes.
inline bool url_rule(std::string_view url) {
  for (const char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F || c == '\\') return false;
  }
  std::string_view rest;
  if (iequals_prefix(url, "https://")) {
    rest = url.substr(8);
  } else if (iequals_prefix(url, "http://")) {
    rest = url.substr(7);
  } else {
    return url == "/" || (url.size() >= 2 && url[0] == '/' && url[1] != '/');
  }
  return !rest.empty() && rest[0] != '/';
}

/// True for a URL a browser would send somewhere other than an http(s) page on some host
/// or this site: what must never pass validation whatever the rule's wording.
inline bool obviously_unsafe(std::string_view url) {
  return iequals_prefix(url, "javascript:") || iequals_prefix(url, "data:") ||
         iequals_prefix(url, "vbscript:") || iequals_prefix(url, "//") ||
         iequals_prefix(url, "/\\") || url.find('\n') != std::string_view::npos;
}

/// SSE as a browser reads it: the parser the unit tests use too.
using SseStream = proof::test::ParsedStream;
inline SseStream read_sse(std::string_view s) {
  return proof::test::parse_sse(s);
}

}  // namespace proof::fuzz
