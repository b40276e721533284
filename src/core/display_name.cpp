#include "core/display_name.h"

#include <vector>

#include "core/signup.h"

namespace proof {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

/// The first code point of valid UTF-8 `s`: the lead byte and its continuation bytes.
std::string_view first_code_point(std::string_view s) {
  std::size_t len = 1;
  while (len < s.size() && (static_cast<unsigned char>(s[len]) & 0xC0u) == 0x80u) ++len;
  return s.substr(0, len);
}

}  // namespace

std::optional<DisplayName> parse_display_name(std::string_view mode) {
  if (mode == "initial") return DisplayName::kInitial;
  if (mode == "first") return DisplayName::kFirst;
  if (mode == "full") return DisplayName::kFull;
  if (mode == "none") return DisplayName::kNone;
  return std::nullopt;
}

std::string reduce_name(std::string_view name, DisplayName mode) {
  if (mode == DisplayName::kFull) return std::string(name);
  if (mode == DisplayName::kNone) return std::string(defaults::kUserName);
  const auto parts = words(name);
  if (parts.empty()) return std::string(defaults::kUserName);
  std::string out(parts.front());
  if (mode == DisplayName::kFirst || parts.size() == 1) return out;
  out += ' ';
  out += first_code_point(parts.back());
  out += '.';
  return out;
}

}  // namespace proof
