// presence.h: the live count (open pages per channel and in all, plus other instances'
// pages) and when a stream is due a new number (at once, then on change at most once per
// interval), with the clock passed in.
#include <catch2/catch.hpp>

#include <chrono>

#include "core/presence.h"

using namespace std::chrono_literals;
using proof::core::presence_due;
using proof::core::PresenceCount;
using proof::core::PresenceSent;
using Clock = std::chrono::steady_clock;

TEST_CASE("Presence: counts rise and fall per channel and site-wide", "[presence]") {
  PresenceCount pages;
  CHECK(pages.count("") == 0);
  pages.open("mug");
  pages.open("mug");
  pages.open("hat");
  pages.open("");
  CHECK(pages.count("") == 4);  // the whole site: every open page, whatever its channel
  CHECK(pages.count("mug") == 2);
  CHECK(pages.count("hat") == 1);
  CHECK(pages.count("cap") == 0);
  pages.close("mug");
  pages.close("");
  CHECK(pages.count("") == 2);
  CHECK(pages.count("mug") == 1);
  pages.close("mug");
  pages.close("hat");
  CHECK(pages.count("") == 0);
  CHECK(pages.count("mug") == 0);
  pages.close("hat");  // a close too many does not wrap round
  CHECK(pages.count("") == 0);
  CHECK(pages.count("hat") == 0);
}

TEST_CASE("Presence: other instances' pages are added per channel and site-wide", "[presence]") {
  PresenceCount pages;
  pages.open("mug");
  pages.set_remote("mug", 5);
  pages.set_remote("", 9);
  CHECK(pages.count("mug") == 6);
  CHECK(pages.count("") == 10);
  CHECK(pages.count("hat") == 0);
  pages.set_remote("mug", 2);  // replaces, does not accumulate
  CHECK(pages.count("mug") == 3);
  pages.set_remote("mug", 0);
  pages.set_remote("", 0);
  CHECK(pages.count("mug") == 1);
  CHECK(pages.count("") == 1);
}

TEST_CASE("Presence: the first count is due at once, then only changes, once per interval",
          "[presence]") {
  PresenceSent sent;
  const auto t0 = Clock::now();
  REQUIRE(presence_due(sent, 3, t0, 10s) == 3u);      // the stream just opened
  CHECK_FALSE(presence_due(sent, 3, t0 + 60s, 10s));  // unchanged: never repeated
  CHECK_FALSE(presence_due(sent, 4, t0 + 9s, 10s));   // changed, but too soon
  CHECK(presence_due(sent, 5, t0 + 10s, 10s) == 5u);  // the number at that moment
  CHECK(sent.count == 5);
  CHECK_FALSE(presence_due(sent, 6, t0 + 19s, 10s));
  CHECK_FALSE(presence_due(sent, 5, t0 + 25s, 10s));  // went up and back down: nothing to say
  CHECK(presence_due(sent, 2, t0 + 25s, 10s) == 2u);
}

TEST_CASE("Presence: the frame is event presence with the count as JSON, no id line",
          "[presence]") {
  CHECK(proof::core::presence_frame(23) == "event: presence\ndata: {\"count\":23}\n\n");
}

TEST_CASE("Presence: the local counts handed to other instances are this instance's alone",
          "[presence]") {
  PresenceCount pages;
  const auto before = pages.local_version();
  pages.open("mug");
  pages.open("mug");
  pages.open("");
  pages.set_remote("", 40);  // others' pages never go back out as ours
  pages.set_remote("mug", 7);
  CHECK(pages.local_version() != before);
  auto local = pages.local_counts();
  REQUIRE(local.size() == 2);
  CHECK(local[0] == std::pair<std::string, std::size_t>{"", 3});
  CHECK(local[1] == std::pair<std::string, std::size_t>{"mug", 2});

  const auto seen = pages.local_version();
  CHECK(pages.count("") == 43);  // reading changes nothing
  CHECK(pages.local_version() == seen);
  pages.close("mug");
  pages.close("mug");
  local = pages.local_counts();
  REQUIRE(local.size() == 1);  // a channel nobody has open here is not reported
  CHECK(local[0] == std::pair<std::string, std::size_t>{"", 1});
}

TEST_CASE("Presence: a new report from other instances replaces the old one whole", "[presence]") {
  PresenceCount pages;
  pages.open("hat");
  pages.replace_remote({{"", 10}, {"hat", 4}, {"mug", 6}});
  CHECK(pages.count("") == 11);
  CHECK(pages.count("hat") == 5);
  CHECK(pages.count("mug") == 6);
  // The mug pages elsewhere closed: a channel missing from the report counts nothing there.
  pages.replace_remote({{"", 4}, {"hat", 4}});
  CHECK(pages.count("") == 5);
  CHECK(pages.count("mug") == 0);
  pages.replace_remote({});  // the others are gone (or unreachable): ours alone
  CHECK(pages.count("") == 1);
  CHECK(pages.count("hat") == 1);
}

TEST_CASE("Presence: the exchange hands each report over once, in both directions", "[presence]") {
  proof::core::PresenceExchange exchange;
  // Before the loop posts anything, this instance has no pages.
  REQUIRE(exchange.local().size() == 1);
  CHECK(exchange.local()[0].second == 0);
  CHECK_FALSE(exchange.take_remote());

  exchange.post_local({{"", 3}, {"mug", 1}});
  CHECK(exchange.local().size() == 2);
  CHECK(exchange.local().size() == 2);  // reading it leaves it for the next exchange

  exchange.post_remote({{"", 5}});
  exchange.post_remote({{"", 6}});  // only the newest matters
  const auto remote = exchange.take_remote();
  REQUIRE(remote);
  REQUIRE(remote->size() == 1);
  CHECK((*remote)[0].second == 6);
  CHECK_FALSE(exchange.take_remote());  // taken: nothing new until the next report
}
