// event_log.h: the bounded replay history, event serialisation and id assignment.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/event_log.h"
#include "event_ids.h"
#include "sse_parser.h"

using proof::core::EventLog;
using proof::core::EventPtr;
using proof::core::Signup;
using proof::test::ids;

namespace {

EventPtr event_with_id(std::uint64_t id) {
  return proof::core::make_event(
      id, 1700000000000, Signup{"user" + std::to_string(id), "offer", "/img/a.svg", "", "", ""});
}

/// A log holding events with ids `first`, `first + step`, ... (`count` of them).
EventLog log_of(std::size_t capacity, std::uint64_t first, std::uint64_t step, std::size_t count) {
  EventLog log(capacity);
  for (std::size_t i = 0; i < count; ++i) log.append(event_with_id(first + i * step));
  return log;
}

}  // namespace

TEST_CASE("EventLog: after(id) resumes exactly after that id, in order", "[event_log]") {
  const EventLog log = log_of(100, 10, 10, 5);  // 10 20 30 40 50
  CHECK(ids(log.after(30)) == std::vector<std::uint64_t>{40, 50});
  CHECK(ids(log.after(10)) == std::vector<std::uint64_t>{20, 30, 40, 50});
  // An id between two held ids (one the client saw from a previous server run, say).
  CHECK(ids(log.after(25)) == std::vector<std::uint64_t>{30, 40, 50});
}

TEST_CASE("EventLog: after an id older than the history returns all of it", "[event_log]") {
  const EventLog log = log_of(3, 1, 1, 10);  // holds 8 9 10
  CHECK(ids(log.after(0)) == std::vector<std::uint64_t>{8, 9, 10});
  CHECK(ids(log.after(2)) == std::vector<std::uint64_t>{8, 9, 10});
  CHECK(ids(log.after(7)) == std::vector<std::uint64_t>{8, 9, 10});
}

TEST_CASE("EventLog: after the newest id (or a later one) returns nothing", "[event_log]") {
  const EventLog log = log_of(10, 1, 1, 4);
  CHECK(log.after(4).empty());
  CHECK(log.after(5).empty());
  CHECK(log.after(std::numeric_limits<std::uint64_t>::max()).empty());
  CHECK(EventLog(10).after(0).empty());
}

TEST_CASE("EventLog: resuming repeatedly never repeats or skips an event", "[event_log]") {
  EventLog log(1000);
  std::vector<std::uint64_t> seen;
  std::uint64_t cursor = 0;
  for (std::uint64_t id = 1; id <= 50; ++id) {
    log.append(event_with_id(id * 3));
    if (id % 7 == 0 || id == 50) {
      for (const auto& e : log.after(cursor)) {
        seen.push_back(e->id);
        cursor = e->id;
      }
    }
  }
  std::vector<std::uint64_t> expected;
  for (std::uint64_t id = 1; id <= 50; ++id) expected.push_back(id * 3);
  CHECK(seen == expected);
}

TEST_CASE("EventLog: latest(n) gives the n newest, oldest first, capped at what is held",
          "[event_log]") {
  const EventLog log = log_of(100, 1, 1, 5);
  CHECK(ids(log.latest(2)) == std::vector<std::uint64_t>{4, 5});
  CHECK(ids(log.latest(5)) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(ids(log.latest(50)) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(log.latest(0).empty());
  CHECK(EventLog(5).latest(3).empty());
}

TEST_CASE("EventLog: past capacity the oldest events are dropped", "[event_log]") {
  const EventLog log = log_of(3, 1, 1, 5);
  CHECK(log.size() == 3);
  CHECK(log.capacity() == 3);
  CHECK(log.last_id() == 5);
  CHECK(ids(log.latest(10)) == std::vector<std::uint64_t>{3, 4, 5});
}

TEST_CASE("EventLog: capacity 0 holds nothing", "[event_log]") {
  const EventLog log = log_of(0, 1, 1, 5);
  CHECK(log.size() == 0);
  CHECK(log.after(0).empty());
  CHECK(log.latest(5).empty());
  CHECK(log.last_id() == 0);
}

TEST_CASE("EventLog: make_event JSON carries every field and omits empty city and url",
          "[event_log][json]") {
  const auto bare =
      proof::core::make_event(123, 1700000000456, Signup{"Jane", "Pro", "/img/j.png", "", "", ""});
  const auto j = nlohmann::json::parse(bare->json);
  CHECK(j.at("id") == 123);
  CHECK(j.at("ts") == 1700000000456);
  CHECK(j.at("user_name") == "Jane");
  CHECK(j.at("offer_name") == "Pro");
  CHECK(j.at("img_path") == "/img/j.png");
  CHECK_FALSE(j.contains("city"));
  CHECK_FALSE(j.contains("url"));
  CHECK(bare->id == 123);
  CHECK(bare->ts_ms == 1700000000456);
  CHECK(bare->signup.user_name == "Jane");

  const auto full = proof::core::make_event(
      124, 1, Signup{"Jane", "Pro", "/i.png", "Lyon", "https://s.example/p", ""});
  const auto k = nlohmann::json::parse(full->json);
  CHECK(k.at("city") == "Lyon");
  CHECK(k.at("url") == "https://s.example/p");
}

TEST_CASE("EventLog: make_event JSON says its kind; a purchase of nothing named has no offer_name",
          "[event_log][json][kind]") {
  Signup joined{"Jane", "Newsletter", "/i.png", "", "", ""};
  const auto j = nlohmann::json::parse(proof::core::make_event(1, 1, joined)->json);
  CHECK(j.at("kind") == "signup");
  CHECK(j.at("offer_name") == "Newsletter");

  Signup bought{"Jane D.", "Blue mug", "/i.png", "Leeds", "", "", "stripe"};
  bought.kind = proof::core::EventKind::kPurchase;
  const auto k = nlohmann::json::parse(proof::core::make_event(2, 1, bought)->json);
  CHECK(k.at("kind") == "purchase");
  CHECK(k.at("offer_name") == "Blue mug");
  CHECK(k.at("source") == "stripe");

  bought.offer_name.clear();  // the widget then says "just bought from us"
  const auto e = proof::core::make_event(3, 1, bought);
  const auto l = nlohmann::json::parse(e->json);
  CHECK(l.at("kind") == "purchase");
  CHECK_FALSE(l.contains("offer_name"));
  CHECK(l.at("user_name") == "Jane D.");
  // Widgets from before kinds listen to `signup` alone: a purchase is sent under that name.
  CHECK(proof::test::parse_sse(e->frame).events.at(0).event == "signup");
}

TEST_CASE("EventLog: make_event JSON keeps quotes, HTML and non-ASCII text faithfully",
          "[event_log][json]") {
  const Signup nasty{"Jane \"JD\" <script>alert('x')</script> & co \\",
                     "</script><img src=x onerror=alert(1)>",
                     "/img/a.png?x=\"y\"&z=<w>",
                     "Z\xC3\xBCrich \xF0\x9F\x8E\x89",
                     "https://s.example/?q=\"'<>",
                     ""};
  const auto e = proof::core::make_event(9, 2, nasty);
  const auto j = nlohmann::json::parse(e->json);
  CHECK(j.at("user_name").get<std::string>() == nasty.user_name);
  CHECK(j.at("offer_name").get<std::string>() == nasty.offer_name);
  CHECK(j.at("img_path").get<std::string>() == nasty.img_path);
  CHECK(j.at("city").get<std::string>() == nasty.city);
  CHECK(j.at("url").get<std::string>() == nasty.url);
  // The payload is one line, so it is one data: line of the frame.
  CHECK(e->json.find('\n') == std::string::npos);
}

TEST_CASE("EventLog: the frame is id, event signup and the JSON as data", "[event_log][sse]") {
  const auto e = proof::core::make_event(77, 5, Signup{"Jane", "Pro", "/i.png", "", "", ""});
  CHECK(e->frame == "id: 77\nevent: signup\ndata: " + e->json + "\n\n");
  const auto parsed = proof::test::parse_sse(e->frame);
  REQUIRE(parsed.events.size() == 1);
  CHECK(parsed.events[0].id == "77");
  CHECK(parsed.events[0].event == "signup");
  CHECK(nlohmann::json::parse(parsed.events[0].data).at("user_name") == "Jane");
}

TEST_CASE("EventLog: next_event_id follows the clock when it is ahead", "[event_log][ids]") {
  // A restarted server starts from 0 but the clock puts it past every id it handed out before.
  CHECK(proof::core::next_event_id(0, 1700000000000000) == 1700000000000000u);
  CHECK(proof::core::next_event_id(1700000000000000, 1700000000500000) == 1700000000500000u);
}

TEST_CASE("EventLog: next_event_id stays strictly increasing when the clock stalls or steps back",
          "[event_log][ids]") {
  std::uint64_t id = 0;
  std::uint64_t clock = 5000;
  std::vector<std::uint64_t> issued;
  for (int step = 0; step < 100; ++step) {
    if (step == 30) clock -= 4000;  // NTP steps the clock back
    if (step > 60) clock += 1;      // then the clock crawls slower than ids are issued
    const std::uint64_t next = proof::core::next_event_id(id, clock);
    CHECK(next > id);
    CHECK(next >= clock);
    id = next;
    issued.push_back(id);
  }
  CHECK(proof::core::next_event_id(41, 41) == 42u);
  CHECK(proof::core::next_event_id(41, 0) == 42u);
  CHECK(issued.front() == 5000u);
}
