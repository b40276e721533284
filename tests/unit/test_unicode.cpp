// unicode.h: the White_Space, bidi and invisible classes on text, and a decoder that never
// reads past its input. unicode_tables.cpp checks the tables themselves against the UCD.
#include <catch2/catch.hpp>
#include <string>

#include "core/unicode.h"

using namespace std::string_literals;
namespace unicode = proof::core::unicode;

TEST_CASE("Unicode: strip_hidden removes bidi controls and invisible characters only",
          "[unicode]") {
  CHECK(unicode::strip_hidden("Eve\xE2\x80\xAEgnp.exe") == "Evegnp.exe");
  CHECK(unicode::strip_hidden("\xE2\x81\xA6x\xE2\x81\xA9\xEF\xBB\xBF") == "x");
  // Letters, accents, emoji and white space stay as they are.
  const std::string kept = "Ren\xC3\xA9\xC2\xA0Z \xE5\xB1\xB1 \xF0\x9F\x8E\x89\xCC\x81";
  CHECK(unicode::strip_hidden(kept) == kept);
  // A ZWJ emoji sequence falls apart into its emoji: nothing is hidden any more.
  CHECK(unicode::strip_hidden("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB") ==
        "\xF0\x9F\x91\xA9\xF0\x9F\x92\xBB");
}

TEST_CASE("Unicode: trim_white_space and words know every White_Space", "[unicode]") {
  CHECK(unicode::trim_white_space("\xE3\x80\x80 Jane\xC2\xA0"
                                  "Doe\xE2\x80\xA8") ==
        "Jane\xC2\xA0"
        "Doe");
  CHECK(unicode::trim_white_space("\xE3\x80\x80\t").empty());
  CHECK(unicode::trim_white_space("").empty());
  const auto parts = unicode::words(
      "\xE2\x80\x82"
      "a\xE1\x9A\x80\xE1\x9A\x80"
      "b\xE2\x81\x9F"
      "c ");
  REQUIRE(parts.size() == 3);
  CHECK(parts[0] == "a");
  CHECK(parts[1] == "b");
  CHECK(parts[2] == "c");
  CHECK(unicode::words("\xE2\x80\x8B").size() == 1);  // zero-width space is not white space
}

TEST_CASE("Unicode: decode reads one code point and never past the text", "[unicode]") {
  CHECK(unicode::decode("A").value == U'A');
  CHECK(unicode::decode("\xE3\x80\x80").value == 0x3000);
  CHECK(unicode::decode("\xE3\x80\x80").bytes == 3);
  CHECK(unicode::decode("\xF0\x9F\x8E\x89").value == 0x1F389);
  // Truncated or stray bytes (validate refuses them before, but whatever comes): one byte.
  for (const std::string& bad : {"\xE3\x80"s, "\x80"s, "\xFF"s, "\xC3"s}) {
    CHECK(unicode::decode(bad).bytes == 1);
    CHECK(unicode::decode(bad).value == 0xFFFD);
  }
}
