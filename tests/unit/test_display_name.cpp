// display_name.h: what of a name reaches a page under each --display-name mode.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "core/display_name.h"
#include "core/signup.h"
#include "unicode_text.h"

using proof::core::DisplayName;
using proof::core::reduce_name;
using proof::test::fill;
using proof::test::utf8;

TEST_CASE("Display name: initial keeps the first word and the last word's initial",
          "[display_name]") {
  CHECK(reduce_name("Jane Doe", DisplayName::kInitial) == "Jane D.");
  CHECK(reduce_name("Jane", DisplayName::kInitial) == "Jane");
  CHECK(reduce_name("Jane van der Berg", DisplayName::kInitial) == "Jane B.");
  CHECK(reduce_name("Jane\t Doe", DisplayName::kInitial) == "Jane D.");
}

TEST_CASE("Display name: a multi-byte initial stays whole", "[display_name]") {
  // Ž is two bytes, 山 three, 𝒜 four: cutting at one byte would leave invalid UTF-8.
  CHECK(reduce_name("Jan \xC5\xBD"
                    "ak",
                    DisplayName::kInitial) == "Jan \xC5\xBD.");
  CHECK(reduce_name("\xE5\xA4\xAA\xE9\x83\x8E \xE5\xB1\xB1\xE7\x94\xB0", DisplayName::kInitial) ==
        "\xE5\xA4\xAA\xE9\x83\x8E \xE5\xB1\xB1.");
  CHECK(reduce_name("Ann \xF0\x9D\x92\x9C"
                    "bc",
                    DisplayName::kInitial) == "Ann \xF0\x9D\x92\x9C.");
  CHECK(reduce_name("\xC3\x89lodie", DisplayName::kInitial) == "\xC3\x89lodie");
}

TEST_CASE("Display name: first, full and none", "[display_name]") {
  CHECK(reduce_name("Jane Doe", DisplayName::kFirst) == "Jane");
  CHECK(reduce_name("Jane", DisplayName::kFirst) == "Jane");
  CHECK(reduce_name("Jane Doe", DisplayName::kFull) == "Jane Doe");
  CHECK(reduce_name("Jane Doe", DisplayName::kNone) == "someone");
  CHECK(reduce_name("someone", DisplayName::kInitial) == "someone");
}

// Issue 32: every Unicode White_Space character separates words, in every mode. A name typed
// with a Japanese input method's ideographic space, or pasted with a no-break space, was
// one word and reached the page whole under the default `initial`.
TEST_CASE("Display name: words break on every Unicode white space, not only ASCII",
          "[display_name]") {
  // 山田　太郎: U+3000 IDEOGRAPHIC SPACE between family and given name.
  CHECK(reduce_name("\xE5\xB1\xB1\xE7\x94\xB0\xE3\x80\x80\xE5\xA4\xAA\xE9\x83\x8E",
                    DisplayName::kInitial) == "\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA.");
  CHECK(reduce_name("Jane\xC2\xA0"
                    "Doe",
                    DisplayName::kInitial) == "Jane D.");
  CHECK(reduce_name("Jane\xC2\xA0"
                    "Doe",
                    DisplayName::kFirst) == "Jane");
  CHECK(reduce_name("\xE5\xB1\xB1\xE7\x94\xB0\xE3\x80\x80\xE5\xA4\xAA\xE9\x83\x8E",
                    DisplayName::kFirst) == "\xE5\xB1\xB1\xE7\x94\xB0");
}

TEST_CASE("Display name: each White_Space code point separates, at either end too",
          "[display_name]") {
  // PropList.txt's White_Space, every one of them (unicode_tables checks the list itself).
  const char32_t spaces[] = {0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x0020, 0x0085, 0x00A0, 0x1680,
                             0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
                             0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
  for (const char32_t cp : spaces) {
    const std::string sp = utf8(cp);
    INFO("U+" << std::hex << static_cast<std::uint32_t>(cp));
    CHECK(reduce_name(fill("Jane_Doe", sp), DisplayName::kInitial) == "Jane D.");
    CHECK(reduce_name(fill("Jane_Doe", sp), DisplayName::kFirst) == "Jane");
    CHECK(reduce_name(fill("Jane_Doe", sp), DisplayName::kFull) == "Jane Doe");
    CHECK(reduce_name(fill("_Jane__van_Doe_", sp), DisplayName::kInitial) == "Jane D.");
    CHECK(reduce_name(fill("__", sp), DisplayName::kInitial) == "someone");
  }
}

TEST_CASE("Display name: bidi controls and invisible characters never reach the name",
          "[display_name]") {
  // U+202E RIGHT-TO-LEFT OVERRIDE makes "Eve\u202Egnp.exe" read "Eveexe.png" on a page.
  for (const DisplayName mode : {DisplayName::kInitial, DisplayName::kFirst, DisplayName::kFull}) {
    const std::string got = reduce_name("Eve\xE2\x80\xAEgnp.exe", mode);
    CHECK(got == "Evegnp.exe");
    CHECK(got.find("\xE2\x80\xAE") == std::string::npos);
  }
  // Zero-width space, joiner and no-break space (BOM) inside a word join it up again; a
  // zero-width space is not white space, so it never splits a name either.
  CHECK(reduce_name("Ja\xE2\x80\x8Bne D\xE2\x80\x8Doe\xEF\xBB\xBF", DisplayName::kFull) ==
        "Jane Doe");
  CHECK(reduce_name("Jane\xE2\x80\x8B"
                    "Doe",
                    DisplayName::kInitial) == "JaneDoe");
  // A hidden character cannot stand in for the last word's initial.
  CHECK(reduce_name("Jane \xE2\x81\xA6"
                    "Doe\xE2\x81\xA9",
                    DisplayName::kInitial) == "Jane D.");
  // Only hidden characters: no name at all.
  CHECK(reduce_name("\xE2\x80\x8F\xE2\x80\x8B", DisplayName::kInitial) == "someone");
  // U+061C ARABIC LETTER MARK is a bidi control too.
  CHECK(reduce_name("\xD8\xB9\xD9\x84\xD9\x8A\xD8\x9C", DisplayName::kFull) ==
        "\xD8\xB9\xD9\x84\xD9\x8A");
}

TEST_CASE("Display name: full keeps every word, one space apart", "[display_name]") {
  CHECK(reduce_name("Jane  van\xE3\x80\x80"
                    "der Berg",
                    DisplayName::kFull) == "Jane van der Berg");
  CHECK(reduce_name("\xE5\xB1\xB1\xE7\x94\xB0\xE3\x80\x80\xE5\xA4\xAA\xE9\x83\x8E",
                    DisplayName::kFull) == "\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA\xE9\x83\x8E");
  CHECK(reduce_name("Jane", DisplayName::kFull) == "Jane");
  CHECK(reduce_name(" ", DisplayName::kFull) == "someone");
}

TEST_CASE("Display name: an initial keeps the combining marks of its letter", "[display_name]") {
  // "E" + U+0301 COMBINING ACUTE ACCENT is how a decomposed "É" arrives (macOS file names,
  // some keyboards): cutting after the "E" would show another letter.
  CHECK(reduce_name("Marie E\xCC\x81"
                    "clair",
                    DisplayName::kInitial) == "Marie E\xCC\x81.");
  // Two marks (U+0323 below, U+0302 above): both stay.
  CHECK(reduce_name("Lan E\xCC\xA3\xCC\x82n", DisplayName::kInitial) == "Lan E\xCC\xA3\xCC\x82.");
  // A mark that is not combining (the next letter) does not.
  CHECK(reduce_name("Jane Doe", DisplayName::kInitial) == "Jane D.");
}

TEST_CASE("Display name: the setting's values parse, nothing else does", "[display_name]") {
  CHECK(proof::core::parse_display_name("initial") == DisplayName::kInitial);
  CHECK(proof::core::parse_display_name("first") == DisplayName::kFirst);
  CHECK(proof::core::parse_display_name("full") == DisplayName::kFull);
  CHECK(proof::core::parse_display_name("none") == DisplayName::kNone);
  CHECK_FALSE(proof::core::parse_display_name("Initial").has_value());
  CHECK_FALSE(proof::core::parse_display_name("").has_value());
}

TEST_CASE("Channel: 1-64 of a-z 0-9 _ - and nothing else", "[signup]") {
  CHECK(proof::core::is_valid_channel("mug"));
  CHECK(proof::core::is_valid_channel("a_b-9"));
  CHECK(proof::core::is_valid_channel(std::string(64, 'x')));
  CHECK_FALSE(proof::core::is_valid_channel(""));
  CHECK_FALSE(proof::core::is_valid_channel(std::string(65, 'x')));
  CHECK_FALSE(proof::core::is_valid_channel("Mug"));
  CHECK_FALSE(proof::core::is_valid_channel("mug cup"));
  CHECK_FALSE(proof::core::is_valid_channel("m\xC3\xBCg"));
  CHECK_FALSE(proof::core::is_valid_channel("a/b"));
}

TEST_CASE("Channel: validate keeps a good channel and refuses a bad one", "[signup]") {
  const auto ok = proof::core::validate({{"channel", "mug"}});
  REQUIRE(std::holds_alternative<proof::core::Signup>(ok));
  CHECK(std::get<proof::core::Signup>(ok).channel == "mug");
  const auto none = proof::core::validate({});
  CHECK(std::get<proof::core::Signup>(none).channel.empty());
  const auto bad = proof::core::validate({{"channel", "Mug!"}});
  REQUIRE(std::holds_alternative<proof::core::Refusal>(bad));
  CHECK(std::get<proof::core::Refusal>(bad).message.find("channel") != std::string::npos);
  // Changed with issue 22: an empty field is an absent one, for channel as for city or url
  // (HTML forms send every field); it used to be a 400.
  const auto empty = proof::core::validate({{"channel", ""}});
  REQUIRE(std::holds_alternative<proof::core::Signup>(empty));
  CHECK(std::get<proof::core::Signup>(empty).channel.empty());
}

TEST_CASE("Source: a signup cannot claim a verified source", "[signup]") {
  const auto claimed = proof::core::validate({{"user_name", "Jane"}, {"source", "stripe"}});
  REQUIRE(std::holds_alternative<proof::core::Refusal>(claimed));
  CHECK(std::get<proof::core::Refusal>(claimed).status == 400);
  CHECK(std::get<proof::core::Refusal>(claimed).message.find("source") != std::string::npos);
  // Even an empty one: the field is not the publisher's to send.
  CHECK(std::holds_alternative<proof::core::Refusal>(proof::core::validate({{"source", ""}})));
}
