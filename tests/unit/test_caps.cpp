// caps.h: the limits every loop shares. A connection's places are taken together and given
// back when its slot goes, whichever thread that is on; a place beyond the total is taken
// only to make room; trusted proxies are never capped per address.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "net/caps.h"

using proof::net::ConnectionCaps;
using proof::net::ConnectionSlot;
using Verdict = ConnectionCaps::Verdict;

TEST_CASE("Caps: the total and the per-address cap, given back with the slot", "[caps]") {
  ConnectionCaps caps(
      {.connections = 3, .per_address = 2, .uncapped_addresses = {"10.0.0.9"}, .large_bodies = 1});
  ConnectionSlot a, b, c, d;
  CHECK(caps.admit("10.0.0.1", a) == Verdict::admitted);
  CHECK(caps.admit("10.0.0.1", b) == Verdict::admitted);
  CHECK(caps.admit("10.0.0.1", c) == Verdict::address_full);
  CHECK_FALSE(c.held());
  CHECK(caps.admit("10.0.0.2", c) == Verdict::admitted);
  CHECK(caps.admit("10.0.0.3", d) == Verdict::total_full);  // 3 of 3
  // Past the total only to make room, and still within the address's share.
  CHECK(caps.admit("10.0.0.1", d, true) == Verdict::address_full);
  CHECK(caps.admit("10.0.0.3", d, true) == Verdict::admitted);
  d.release();
  a = ConnectionSlot{};  // a slot replaced gives its places back
  CHECK(caps.admit("10.0.0.1", d) == Verdict::admitted);
  {
    ConnectionSlot moved = std::move(b);
    // A moved-from slot is documented to hold nothing: that is what is checked here.
    CHECK_FALSE(b.held());  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  }                         // gone with the slot it moved into
  ConnectionSlot e, f;
  CHECK(caps.admit("10.0.0.9", e) == Verdict::admitted);
  CHECK(caps.admit("10.0.0.9", f) == Verdict::total_full);
  c.release();
  CHECK(caps.admit("10.0.0.9", f) == Verdict::admitted);  // a proxy: no per-address cap
  CHECK(f.held());
}

TEST_CASE("Caps: large bodies are limited at once, a place back when its slot goes", "[caps]") {
  ConnectionCaps caps(
      {.connections = 10, .per_address = 0, .uncapped_addresses = {}, .large_bodies = 2});
  auto first = caps.take_large_body();
  auto second = caps.take_large_body();
  CHECK(first.held());
  CHECK(second.held());
  CHECK_FALSE(caps.take_large_body().held());
  first = {};
  CHECK(caps.take_large_body().held());
}

TEST_CASE("Caps: loops taking and giving back at once never pass the total", "[caps][threads]") {
  constexpr std::size_t kTotal = 10;
  ConnectionCaps caps(
      {.connections = kTotal, .per_address = 0, .uncapped_addresses = {}, .large_bodies = 0});
  std::atomic<std::size_t> held{0}, peak{0};
  std::vector<std::thread> loops;
  loops.reserve(4);
  for (int t = 0; t < 4; ++t) {
    loops.emplace_back([&] {
      std::vector<ConnectionSlot> mine;
      for (int round = 0; round < 5000; ++round) {
        ConnectionSlot slot;
        if (caps.admit("10.0.0.1", slot) == Verdict::admitted) {
          const std::size_t now = held.fetch_add(1) + 1;
          for (std::size_t seen = peak.load();
               now > seen && !peak.compare_exchange_weak(seen, now);) {
          }
          mine.push_back(std::move(slot));
        }
        if (mine.size() > 12 || (round % 3 == 0 && !mine.empty())) {
          held.fetch_sub(1);
          mine.erase(mine.begin());
        }
      }
      held.fetch_sub(mine.size());
    });
  }
  for (auto& loop : loops) loop.join();
  CHECK(peak.load() <= kTotal);
  CHECK(peak.load() == kTotal);  // the cap was reached, so it was tested
  std::vector<ConnectionSlot> all(kTotal);
  for (auto& slot : all) REQUIRE(caps.admit("10.0.0.1", slot) == Verdict::admitted);
  ConnectionSlot over;
  CHECK(caps.admit("10.0.0.1", over) == Verdict::total_full);
}
