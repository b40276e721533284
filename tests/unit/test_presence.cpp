// presence.h: the live count (open pages per channel and in all, plus other instances'
// pages) and when a stream is due a new number (at once, then on change at most once per
// interval), with the clock passed in.
#include <catch2/catch.hpp>

#include <chrono>

#include "core/presence.h"

using namespace std::chrono_literals;
using proof::presence_due;
using proof::PresenceCount;
using proof::PresenceSent;
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
  CHECK(proof::presence_frame(23) == "event: presence\ndata: {\"count\":23}\n\n");
}
