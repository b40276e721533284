#include "core/display_name.h"

#include "core/signup.h"
#include "core/unicode.h"

namespace proof::core {

namespace {

/// The first letter of `word` as an initial shows it: its first code point and the
/// combining marks after it.
std::string_view initial_of(std::string_view word) {
  std::size_t end = unicode::decode(word).bytes;
  while (end < word.size()) {
    const unicode::CodePoint next = unicode::decode(word.substr(end));
    if (!unicode::is_combining_mark(next.value)) break;
    end += next.bytes;
  }
  return word.substr(0, end);
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
  if (mode == DisplayName::kNone) return std::string(defaults::kUserName);
  const std::string visible = unicode::strip_hidden(name);
  const auto parts = unicode::words(visible);
  if (parts.empty()) return std::string(defaults::kUserName);
  std::string out(parts.front());
  if (mode == DisplayName::kFull) {
    for (std::size_t i = 1; i < parts.size(); ++i) {
      out += ' ';
      out += parts[i];
    }
    return out;
  }
  if (mode == DisplayName::kFirst || parts.size() == 1) return out;
  out += ' ';
  out += initial_of(parts.back());
  out += '.';
  return out;
}

}  // namespace proof::core
