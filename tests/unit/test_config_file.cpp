// config_file.h: the --config format, every error naming the file and the line.
#include <catch2/catch.hpp>

#include "app/config_file.h"

using proof::app::ConfigFileError;
using proof::app::parse_config_text;

TEST_CASE("Config file: keys, quoted and bare values, lists, comments", "[config_file]") {
  const auto entries = parse_config_text(
      "# a comment\n"
      "\n"
      "bind = \"::\"\n"
      "port = 6009   # trailing comment\n"
      "api-key = 'single # quoted'\n"
      "allowed-origin = [\"https://a.example\", 'https://b.example', c]\n"
      "trusted-proxy = []\n"
      "escaped = \"a \\\"b\\\" \\\\ c\"\r\n"
      "  hsts=true\n",
      "f.conf");
  REQUIRE(entries.size() == 7);
  CHECK(entries[0].key == "bind");
  CHECK(entries[0].values == std::vector<std::string>{"::"});
  CHECK(entries[0].line == 3);
  CHECK(entries[1].values == std::vector<std::string>{"6009"});
  CHECK(entries[2].values == std::vector<std::string>{"single # quoted"});
  CHECK(entries[3].is_list);
  CHECK(entries[3].values ==
        std::vector<std::string>{"https://a.example", "https://b.example", "c"});
  CHECK(entries[4].is_list);
  CHECK(entries[4].values.empty());
  CHECK(entries[5].values == std::vector<std::string>{"a \"b\" \\ c"});
  CHECK(entries[6].key == "hsts");
  CHECK(entries[6].values == std::vector<std::string>{"true"});
  CHECK(entries[6].line == 9);
}

TEST_CASE("Config file: malformed lines name the file and the line", "[config_file]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"port = 1\n[proof]\n", "f.conf:2: sections"},
      {"port = 1\n\njust words\n", "f.conf:3: expected key = value"},
      {"bind = \"::\n", "f.conf:1: bind: a quote is not closed"},
      {"allowed-origin = [\"a\"\n", "f.conf:1: allowed-origin: the list has no closing ]"},
      {"bind = \"a\" b\n", "f.conf:1: bind: unexpected"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    try {
      parse_config_text(text, "f.conf");
      FAIL("no error");
    } catch (const ConfigFileError& e) {
      CHECK_THAT(e.what(), Catch::StartsWith(message));
    }
  }
}

TEST_CASE("Config file: an unreadable file says so and names it", "[config_file]") {
  CHECK_THROWS_WITH(proof::app::read_config_file("/nonexistent/proof.conf"),
                    Catch::StartsWith("/nonexistent/proof.conf: cannot read the file"));
}
