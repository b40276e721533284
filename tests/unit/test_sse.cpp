// sse.h: event framing and the parsing of what a client sends back to resume.
#include <catch2/catch.hpp>
#include <chrono>
#include <limits>
#include <string>

#include "core/sse.h"
#include "sse_parser.h"

using namespace std::string_literals;
using proof::test::parse_sse;
namespace sse = proof::core::sse;

TEST_CASE("SSE: a simple event is framed exactly", "[sse][framing]") {
  CHECK(sse::format_event(42, "signup", R"({"a":1})") ==
        "id: 42\nevent: signup\ndata: {\"a\":1}\n\n");
  CHECK(sse::format_event(0, "x", "") == "id: 0\nevent: x\ndata: \n\n");
  CHECK(sse::format_event(std::numeric_limits<std::uint64_t>::max(), "x", "d") ==
        "id: 18446744073709551615\nevent: x\ndata: d\n\n");
}

TEST_CASE("SSE: a simple event reads back as one event with its id, type and data",
          "[sse][framing]") {
  const auto parsed = parse_sse(sse::format_event(7, "signup", "hello world"));
  REQUIRE(parsed.events.size() == 1);
  CHECK(parsed.events[0].id == "7");
  CHECK(parsed.events[0].event == "signup");
  CHECK(parsed.events[0].data == "hello world");
  CHECK_FALSE(parsed.unterminated);
}

TEST_CASE("SSE: line breaks in data become separate data lines", "[sse][framing]") {
  CHECK(sse::format_event(1, "e", "a\nb") == "id: 1\nevent: e\ndata: a\ndata: b\n\n");
  CHECK(sse::format_event(1, "e", "a\rb") == "id: 1\nevent: e\ndata: a\ndata: b\n\n");
  CHECK(sse::format_event(1, "e", "a\r\nb") == "id: 1\nevent: e\ndata: a\ndata: b\n\n");
  CHECK(sse::format_event(1, "e", "a\n\nb") == "id: 1\nevent: e\ndata: a\ndata: \ndata: b\n\n");
}

TEST_CASE("SSE: data cannot inject fields or end the event early", "[sse][framing]") {
  // Each of these, framed raw, would end the block or smuggle in an id/event/retry field.
  for (const std::string& data :
       {"x\n\nid: 999\nevent: admin\ndata: pwned"s, "x\r\rid: 999\r"s, "x\r\n\r\nevent: admin\r\n"s,
        "\nretry: 1\n"s, "\n\n\n"s, "\r"s, "\n"s, "a\r\n"s, "\n: comment\nid: 5"s, "id: 3"s}) {
    INFO("data: " << data);
    const auto parsed = parse_sse(sse::format_event(11, "signup", data));
    CHECK_FALSE(parsed.unterminated);
    CHECK(parsed.blank_lines == 1);
    CHECK(parsed.id_fields == 1);
    CHECK(parsed.event_fields == 1);
    CHECK_FALSE(parsed.retry.has_value());
    CHECK(parsed.comments.empty());
    REQUIRE(parsed.events.size() == 1);
    CHECK(parsed.events[0].id == "11");
    CHECK(parsed.events[0].event == "signup");
    // What the browser sees is the data with every CR, LF and CRLF read as one LF.
    std::string expected;
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (data[i] == '\r') {
        expected += '\n';
        if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
      } else {
        expected += data[i];
      }
    }
    CHECK(parsed.events[0].data == expected);
  }
}

TEST_CASE("SSE: several events in a row parse as separate events", "[sse][framing]") {
  const auto parsed =
      parse_sse(sse::format_event(1, "signup", "a\nb") + std::string(sse::heartbeat()) +
                sse::format_event(2, "signup", "c"));
  REQUIRE(parsed.events.size() == 2);
  CHECK(parsed.events[0].id == "1");
  CHECK(parsed.events[0].data == "a\nb");
  CHECK(parsed.events[1].id == "2");
  CHECK(parsed.events[1].data == "c");
}

TEST_CASE("SSE: the retry block tells the browser the delay in ms", "[sse][framing]") {
  CHECK(sse::format_retry(std::chrono::milliseconds(2500)) == "retry: 2500\n\n");
  const auto parsed = parse_sse(sse::format_retry(std::chrono::seconds(3)));
  CHECK(parsed.retry == "3000"s);
  CHECK(parsed.events.empty());
  CHECK_FALSE(parsed.unterminated);
}

TEST_CASE("SSE: the heartbeat is a comment block that dispatches nothing", "[sse][framing]") {
  const std::string_view hb = sse::heartbeat();
  REQUIRE(hb.size() >= 3);
  CHECK(hb.front() == ':');
  CHECK(hb.substr(hb.size() - 2) == "\n\n");
  const auto parsed = parse_sse(hb);
  CHECK(parsed.events.empty());
  CHECK(parsed.comments.size() == 1);
  CHECK_FALSE(parsed.unterminated);
}

TEST_CASE("SSE: the content type is exactly text/event-stream", "[sse]") {
  CHECK(std::string(sse::kContentType) == "text/event-stream");
}

TEST_CASE("SSE: parse_event_id takes decimal digits within 64 bits", "[sse][resume]") {
  CHECK(sse::parse_event_id("0") == 0u);
  CHECK(sse::parse_event_id("1") == 1u);
  CHECK(sse::parse_event_id("1732665600000123") == 1732665600000123u);
  CHECK(sse::parse_event_id("007") == 7u);
  CHECK(sse::parse_event_id("18446744073709551615") == std::numeric_limits<std::uint64_t>::max());
  CHECK(sse::parse_event_id("18446744073709551609") == 18446744073709551609u);
}

TEST_CASE("SSE: parse_event_id refuses junk and values past 64 bits", "[sse][resume]") {
  for (const std::string& s :
       {""s, "-1"s, "+1"s, " 1"s, "1 "s, "1a"s, "0x10"s, "1.5"s, "1e3"s, "18446744073709551616"s,
        "18446744073709551620"s, "99999999999999999999"s, "100000000000000000000"s /* 21 digits */,
        "000000000000000000001"s /* 21 digits, small value */, "\0"s, "١"s}) {
    INFO("'" << s << "'");
    CHECK_FALSE(sse::parse_event_id(s).has_value());
  }
}

TEST_CASE("SSE: parse_count caps at max and refuses junk", "[sse][replay]") {
  CHECK(sse::parse_count("0", 100) == 0u);
  CHECK(sse::parse_count("5", 100) == 5u);
  CHECK(sse::parse_count("100", 100) == 100u);
  CHECK(sse::parse_count("101", 100) == 100u);
  CHECK(sse::parse_count("999999999", 100) == 100u);
  CHECK(sse::parse_count("3", 0) == 0u);
  for (const std::string& s : {""s, "-1"s, " 5"s, "5 "s, "5x"s, "x"s, "1.0"s, "+3"s}) {
    INFO("'" << s << "'");
    CHECK_FALSE(sse::parse_count(s, 100).has_value());
  }
}

// A huge count is capped at `max`, not refused: GET /events?replay=10000000000 means "all".
TEST_CASE("SSE: parse_count caps very large counts instead of refusing them", "[sse][replay]") {
  CHECK(sse::parse_count("1000000000", 100) == 100u);               // 10 digits
  CHECK(sse::parse_count("99999999999999999999999", 100) == 100u);  // past 64 bits
  CHECK(sse::parse_count("0000000005", 100) == 5u);                 // leading zeros
}

TEST_CASE("SSE: parse_count never wraps, whatever the cap", "[sse][replay]") {
  constexpr auto kMax = std::numeric_limits<std::size_t>::max();
  CHECK(sse::parse_count("18446744073709551616", kMax) == kMax);
  CHECK(sse::parse_count("99999999999999999999999", kMax) == kMax);
  CHECK(sse::parse_count("18446744073709551615", kMax) == kMax);
  CHECK(sse::parse_count("1844674407370955161", kMax) == std::size_t{1844674407370955161u});
}

TEST_CASE("format_notice: an event and its data lines without an id line", "[sse]") {
  CHECK(proof::core::sse::format_notice("presence", "{\"count\":3}") ==
        "event: presence\ndata: {\"count\":3}\n\n");
  // Line breaks in the data cannot end the block early, as in format_event.
  CHECK(proof::core::sse::format_notice("erase", "a\nid: 9\r\nb") ==
        "event: erase\ndata: a\ndata: id: 9\ndata: b\n\n");
}
