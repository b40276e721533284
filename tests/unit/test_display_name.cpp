// display_name.h: what of a name reaches a page under each --display-name mode.
#include <catch2/catch.hpp>

#include "core/display_name.h"
#include "core/signup.h"

using proof::DisplayName;
using proof::reduce_name;

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

TEST_CASE("Display name: the setting's values parse, nothing else does", "[display_name]") {
  CHECK(proof::parse_display_name("initial") == DisplayName::kInitial);
  CHECK(proof::parse_display_name("first") == DisplayName::kFirst);
  CHECK(proof::parse_display_name("full") == DisplayName::kFull);
  CHECK(proof::parse_display_name("none") == DisplayName::kNone);
  CHECK_FALSE(proof::parse_display_name("Initial").has_value());
  CHECK_FALSE(proof::parse_display_name("").has_value());
}

TEST_CASE("Channel: 1-64 of a-z 0-9 _ - and nothing else", "[signup]") {
  CHECK(proof::is_valid_channel("mug"));
  CHECK(proof::is_valid_channel("a_b-9"));
  CHECK(proof::is_valid_channel(std::string(64, 'x')));
  CHECK_FALSE(proof::is_valid_channel(""));
  CHECK_FALSE(proof::is_valid_channel(std::string(65, 'x')));
  CHECK_FALSE(proof::is_valid_channel("Mug"));
  CHECK_FALSE(proof::is_valid_channel("mug cup"));
  CHECK_FALSE(proof::is_valid_channel("m\xC3\xBCg"));
  CHECK_FALSE(proof::is_valid_channel("a/b"));
}

TEST_CASE("Channel: validate keeps a good channel and refuses a bad one", "[signup]") {
  const auto ok = proof::validate({{"channel", "mug"}});
  REQUIRE(std::holds_alternative<proof::Signup>(ok));
  CHECK(std::get<proof::Signup>(ok).channel == "mug");
  const auto none = proof::validate({});
  CHECK(std::get<proof::Signup>(none).channel.empty());
  const auto bad = proof::validate({{"channel", "Mug!"}});
  REQUIRE(std::holds_alternative<proof::Refusal>(bad));
  CHECK(std::get<proof::Refusal>(bad).message.find("channel") != std::string::npos);
  // Changed with issue 22: an empty field is an absent one, for channel as for city or url
  // (HTML forms send every field); it used to be a 400.
  const auto empty = proof::validate({{"channel", ""}});
  REQUIRE(std::holds_alternative<proof::Signup>(empty));
  CHECK(std::get<proof::Signup>(empty).channel.empty());
}

TEST_CASE("Source: a signup cannot claim a verified source", "[signup]") {
  const auto claimed = proof::validate({{"user_name", "Jane"}, {"source", "stripe"}});
  REQUIRE(std::holds_alternative<proof::Refusal>(claimed));
  CHECK(std::get<proof::Refusal>(claimed).status == 400);
  CHECK(std::get<proof::Refusal>(claimed).message.find("source") != std::string::npos);
  // Even an empty one: the field is not the publisher's to send.
  CHECK(std::holds_alternative<proof::Refusal>(proof::validate({{"source", ""}})));
}
