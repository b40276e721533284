// The small tables of core/unicode.h against the Unicode Character Database as Debian's
// unicode-data package installs it, every code point from U+0000 to U+10FFFF:
// - is_white_space and is_bidi_control are exactly PropList.txt's White_Space and
//   Bidi_Control;
// - every invisible format character is general category Cf in UnicodeData.txt;
// - is_combining_mark is exactly the blocks of Blocks.txt that its comment names, and each
//   of their assigned code points is a mark (Mn or Me).
// So the tables are the data files' own, not a hand copy that could drift. Exit 0 when they
// agree; 1 when not (each difference printed); 77, which ctest reports as skipped, when the
// files are not installed (apt-get install unicode-data). PROOF_UNICODE_DIR overrides
// /usr/share/unicode. Not a Catch2 case: Catch2 v2 cannot report a skip.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ci.h"
#include "core/unicode.h"

namespace {

constexpr char32_t kCodePoints = 0x110000;
constexpr int kSkipped = 77;

using Set = std::vector<bool>;  // indexed by code point

std::string strip(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

/// "0009..000D" or "0020": the first and last code point.
std::pair<char32_t, char32_t> parse_range(const std::string& field) {
  const auto dots = field.find("..");
  const auto first = static_cast<char32_t>(std::stoul(field.substr(0, dots), nullptr, 16));
  if (dots == std::string::npos) return {first, first};
  return {first, static_cast<char32_t>(std::stoul(field.substr(dots + 2), nullptr, 16))};
}

/// The lines of a UCD file as their ';'-separated fields, comments and blank lines dropped.
std::vector<std::vector<std::string>> records(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) {
    line = strip(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string field; std::getline(split, field, ';');) fields.push_back(strip(field));
    out.push_back(std::move(fields));
  }
  return out;
}

/// The code points PropList.txt gives `property`.
Set property(const std::filesystem::path& proplist, const std::string& name) {
  Set set(kCodePoints);
  for (const auto& fields : records(proplist)) {
    if (fields.size() < 2 || fields[1] != name) continue;
    const auto [first, last] = parse_range(fields[0]);
    for (char32_t cp = first; cp <= last; ++cp) set[cp] = true;
  }
  return set;
}

/// Two letters of a general category ("Cf") as one number, 0 for an unassigned code point.
constexpr std::uint16_t category_code(const char* gc) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(gc[0]) << 8) |
                                    static_cast<unsigned char>(gc[1]));
}

/// The general category of every code point (UnicodeData.txt; "<..., First>" and
/// "<..., Last>" lines bound a range of one category).
std::vector<std::uint16_t> categories(const std::filesystem::path& unicode_data) {
  std::vector<std::uint16_t> out(kCodePoints);
  char32_t range_start = 0;
  for (const auto& fields : records(unicode_data)) {
    if (fields.size() < 3 || fields[2].size() != 2) continue;
    const char32_t cp = parse_range(fields[0]).first;
    if (fields[1].ends_with(", First>")) {
      range_start = cp;
      continue;
    }
    const char32_t from = fields[1].ends_with(", Last>") ? range_start : cp;
    for (char32_t c = from; c <= cp; ++c) out[c] = category_code(fields[2].c_str());
  }
  return out;
}

/// The code points of the named blocks of Blocks.txt.
Set blocks(const std::filesystem::path& file, const std::set<std::string>& names,
           std::set<std::string>& found) {
  Set set(kCodePoints);
  for (const auto& fields : records(file)) {
    if (fields.size() < 2 || !names.contains(fields[1])) continue;
    found.insert(fields[1]);
    const auto [first, last] = parse_range(fields[0]);
    for (char32_t cp = first; cp <= last; ++cp) set[cp] = true;
  }
  return set;
}

int failures = 0;

void fail(const char* what, char32_t cp) {
  if (++failures <= 50) {
    std::printf("FAIL: %s at U+%04X\n", what, static_cast<unsigned>(cp));
  }
}

/// `fn` agrees with `expected` at every code point.
void same(const char* what, const std::function<bool(char32_t)>& fn, const Set& expected) {
  for (char32_t cp = 0; cp < kCodePoints; ++cp) {
    if (fn(cp) != expected[cp]) fail(what, cp);
  }
}

}  // namespace

int main() {
  const char* dir_env = std::getenv("PROOF_UNICODE_DIR");
  const std::filesystem::path dir = dir_env != nullptr ? dir_env : "/usr/share/unicode";
  for (const char* file : {"PropList.txt", "UnicodeData.txt", "Blocks.txt"}) {
    if (!std::filesystem::is_regular_file(dir / file)) {
      const bool in_ci = proof::test::in_ci();
      std::printf("%s: no %s (Debian: apt-get install unicode-data)\n", in_ci ? "FAIL" : "skipped",
                  (dir / file).c_str());
      return in_ci ? 1 : kSkipped;
    }
  }
  using namespace proof::core::unicode;

  same("White_Space", is_white_space, property(dir / "PropList.txt", "White_Space"));
  same("Bidi_Control", is_bidi_control, property(dir / "PropList.txt", "Bidi_Control"));

  const auto category = categories(dir / "UnicodeData.txt");
  std::size_t invisible = 0;
  for (char32_t cp = 0; cp < kCodePoints; ++cp) {
    if (is_hidden(cp) != (is_bidi_control(cp) || is_invisible_format(cp))) {
      fail("is_hidden is bidi or invisible", cp);
    }
    if (!is_invisible_format(cp)) continue;
    ++invisible;
    if (category[cp] != category_code("Cf")) fail("invisible format is not Cf", cp);
  }
  if (invisible != 11) {  // U+200B-200F, U+2060-2064, U+FEFF
    std::printf("FAIL: %zu invisible format characters, not the issue's 11\n", invisible);
    ++failures;
  }

  const std::set<std::string> mark_blocks = {"Combining Diacritical Marks",
                                             "Combining Diacritical Marks Extended",
                                             "Combining Diacritical Marks Supplement",
                                             "Combining Diacritical Marks for Symbols",
                                             "Combining Half Marks",
                                             "Variation Selectors"};
  std::set<std::string> found;
  const Set marks = blocks(dir / "Blocks.txt", mark_blocks, found);
  if (found != mark_blocks) {
    std::printf("FAIL: Blocks.txt lacks a block is_combining_mark names\n");
    ++failures;
  }
  same("combining mark blocks", is_combining_mark, marks);
  for (char32_t cp = 0; cp < kCodePoints; ++cp) {
    const std::uint16_t gc = category[cp];
    if (marks[cp] && gc != 0 && gc != category_code("Mn") && gc != category_code("Me")) {
      fail("combining mark is not Mn or Me", cp);
    }
  }

  if (failures > 0) {
    std::printf("%d differences from %s\n", failures, dir.c_str());
    return 1;
  }
  std::printf("core/unicode.h agrees with %s\n", dir.c_str());
  return 0;
}
