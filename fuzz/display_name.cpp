// libFuzzer target: name reduction (reduce_name, every --display-name mode) and the
// stripping of shown text, alone and on the path an event takes (validate, then the
// reduction), against what README "Publishing" and display_name.h say: the result is valid
// UTF-8 without bidi controls or invisible format characters, with no white space but
// single U+0020 between words; words break on every White_Space character; `initial` never
// shows the last of two or more words whole (only its first letter and that letter's
// combining marks); `first`, `full` and `none` are what their names say.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "check_signup.h"
#include "core/display_name.h"
#include "core/signup.h"
#include "oracle.h"

namespace {

using proof::core::DisplayName;
using proof::fuzz::decode_utf8;
using proof::fuzz::encode_utf8;

constexpr DisplayName kModes[] = {DisplayName::kInitial, DisplayName::kFirst, DisplayName::kFull,
                                  DisplayName::kNone};

/// The marks display_name.h says an initial keeps with its letter.
bool is_mark(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
         (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
         (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F);
}

std::string encode(const std::vector<char32_t>& cps) {
  std::string out;
  for (const char32_t cp : cps) out += encode_utf8(cp);
  return out;
}

/// The words of a name, hidden characters dropped first, split on every White_Space.
std::vector<std::vector<char32_t>> words_of(const std::vector<char32_t>& cps) {
  std::vector<std::vector<char32_t>> out;
  std::vector<char32_t> word;
  for (const char32_t cp : cps) {
    if (proof::fuzz::is_hidden(cp)) continue;
    if (proof::fuzz::is_unicode_space(cp)) {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word.push_back(cp);
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

/// The documented result of `mode` for a name of code points `cps`.
std::string expected(const std::vector<char32_t>& cps, DisplayName mode) {
  const auto words = words_of(cps);
  if (mode == DisplayName::kNone || words.empty()) return "someone";
  std::string out = encode(words.front());
  if (mode == DisplayName::kFirst) return out;
  if (mode == DisplayName::kFull) {
    for (std::size_t i = 1; i < words.size(); ++i) out += " " + encode(words[i]);
    return out;
  }
  if (words.size() == 1) return out;
  const auto& last = words.back();
  std::size_t n = 1;
  while (n < last.size() && is_mark(last[n])) ++n;
  return out + " " + encode({last.begin(), last.begin() + static_cast<std::ptrdiff_t>(n)}) + ".";
}

/// What holds of any shown name, whatever the mode.
void check_shown(std::string_view got) {
  const auto cps = decode_utf8(got);
  PROOF_FUZZ_CHECK(cps.has_value(), got);
  PROOF_FUZZ_CHECK(!cps->empty(), got);
  for (const char32_t cp : *cps) {
    PROOF_FUZZ_CHECK(!proof::fuzz::is_hidden(cp), got);
    PROOF_FUZZ_CHECK(cp == U' ' || !proof::fuzz::is_unicode_space(cp), got);
  }
  PROOF_FUZZ_CHECK(got.front() != ' ' && got.back() != ' ', got);
  PROOF_FUZZ_CHECK(got.find("  ") == std::string_view::npos, got);
}

/// reduce_name on valid UTF-8 `name` in every mode.
void check_reduce(std::string_view name) {
  const auto cps = decode_utf8(name);
  if (!cps) return;
  for (const DisplayName mode : kModes) {
    const std::string got = proof::core::reduce_name(name, mode);
    check_shown(got);
    PROOF_FUZZ_CHECK(got == expected(*cps, mode), got);
    const auto words = words_of(*cps);
    if (mode != DisplayName::kInitial || words.size() < 2) continue;
    // The full name never shows: past the first word, the last word is not there whole
    // unless it is no more than its initial to begin with ("D", or "D." itself).
    const auto& last = words.back();
    std::size_t letter = 1;
    while (letter < last.size() && is_mark(last[letter])) ++letter;
    const bool only_initial =
        letter == last.size() || (letter + 1 == last.size() && last.back() == U'.');
    if (!only_initial) {
      const std::string rest = got.substr(encode(words.front()).size());
      PROOF_FUZZ_CHECK(rest.find(encode(last)) == std::string::npos, got);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name(reinterpret_cast<const char*>(data), size);
  // Not valid UTF-8: outside reduce_name's contract (validate refuses it first), but it must
  // still never read out of bounds.
  if (!decode_utf8(name)) {
    for (const DisplayName mode : kModes) (void)proof::core::reduce_name(name, mode);
  }
  check_reduce(name);

  // The path of an event: validate (which strips the shown fields), then the reduction.
  const proof::core::Fields fields = {{"user_name", name}, {"offer_name", name}, {"city", name}};
  proof::fuzz::check_validate(fields, size);
  const auto outcome = proof::core::validate(fields);
  if (const auto* signup = std::get_if<proof::core::Signup>(&outcome)) {
    check_reduce(signup->user_name);
  }
  return 0;
}
