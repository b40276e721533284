// fanout.h: what each stream is sent, through fake sinks (no sockets): every event once and
// in order, chunk framing for HTTP/1.1 and none for HTTP/1.0, catch-up of a stream that
// joined late, heartbeats only on quiet streams, drops reported, never skipped, and the
// live count shared by every loop's fan-out.
#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

#include "core/hub.h"
#include "core/metrics.h"
#include "core/presence.h"
#include "net/fanout.h"

using namespace std::chrono_literals;
using proof::core::EventPtr;
using proof::core::Hub;
using proof::core::Metrics;
using proof::core::PresenceBoard;
using proof::core::Signup;
using proof::net::Fanout;
using proof::net::StreamSink;
using proof::net::Subscriber;
using Clock = std::chrono::steady_clock;

namespace {

/// Records what it is sent; refuses once `accept` is false (a client gone or too far behind).
struct RecordingSink : StreamSink {
  std::string received;
  int sends = 0;
  bool accept = true;
  bool send(std::span<const std::string_view> pieces) override {
    ++sends;
    for (auto piece : pieces) received += piece;
    return accept;
  }
};

/// Removes HTTP/1.1 chunk framing, failing the test if it is malformed.
std::string unchunk(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t eol = body.find("\r\n", pos);
    REQUIRE(eol != std::string::npos);
    const std::size_t size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    REQUIRE(body.size() >= eol + 2 + size + 2);
    out += body.substr(eol + 2, size);
    REQUIRE(body.substr(eol + 2 + size, 2) == "\r\n");
    pos = eol + 2 + size + 2;
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

std::string presence_notice(int n) {
  return "event: presence\ndata: {\"count\":" + std::to_string(n) + "}\n\n";
}

/// One stream: its sink and its place in the fan-out.
struct Stream {
  RecordingSink sink;
  Subscriber subscriber;
  Stream(std::uint64_t cursor, bool chunked, std::string channel, bool presence) {
    subscriber.sink = &sink;
    subscriber.cursor = cursor;
    subscriber.chunked = chunked;
    subscriber.channel = std::move(channel);
    subscriber.presence = presence;
  }
  /// What it received, without chunk framing if it has any.
  std::string text() const { return subscriber.chunked ? unchunk(sink.received) : sink.received; }
};

struct StreamOptions {
  bool chunked = true;
  std::string channel{};
  bool presence = false;
};

/// A hub and one loop's fan-out (heartbeat 15 s, presence interval 10 s), and the streams
/// a test opens on it.
struct FanoutTest {
  Hub hub{100, 10};
  Metrics metrics;
  PresenceBoard presence;
  Fanout fanout{hub, metrics, presence, 15s, 10s};
  std::vector<Subscriber*> dropped;
  const Clock::time_point t0 = Clock::now();
  std::deque<Stream> streams;  // a deque: a stream never moves once made

  /// A stream whose handshake saw the hub as it is now, not yet joined.
  Stream& stream(StreamOptions o = {}) {
    return streams.emplace_back(hub.last_id(), o.chunked, std::move(o.channel), o.presence);
  }
  /// A stream that has joined the fan-out at `at`.
  Stream& joined(StreamOptions o = {}, Clock::duration at = 0s) {
    Stream& s = stream(std::move(o));
    REQUIRE(fanout.join(s.subscriber, t0 + at));
    return s;
  }
  EventPtr publish(std::string name, std::string channel = "") {
    Signup signup{std::move(name), "offer", "/img/a.svg", "", "", ""};
    signup.channel = std::move(channel);
    return hub.publish(std::move(signup));
  }
  /// The fan-out's turn after a publish, at t0 + `at`.
  void fan_out(Clock::duration at = 0s) { fanout.publish(t0 + at, dropped); }
  void tick(Clock::duration at) { fanout.tick(t0 + at, dropped); }
};

}  // namespace

TEST_CASE_METHOD(FanoutTest, "Fanout: every stream gets each event once, in order, chunk-framed",
                 "[fanout]") {
  Stream& a = joined();
  Stream& b = joined();
  const auto first = publish("Ada");
  const auto second = publish("Bo");
  fan_out();
  fan_out();  // nothing new: nothing sent twice
  CHECK(dropped.empty());
  for (Stream* s : {&a, &b}) {
    CHECK(s->text() == first->frame + second->frame);
    CHECK(s->subscriber.cursor == second->id);
  }
  CHECK(metrics.render(0).find("proof_deliveries_total 4") != std::string::npos);
}

TEST_CASE_METHOD(FanoutTest, "Fanout: an HTTP/1.0 stream gets the frames without chunk framing",
                 "[fanout]") {
  Stream& plain = joined({.chunked = false});
  const auto event = publish("Ada");
  fan_out();
  CHECK(plain.sink.received == event->frame);
}

TEST_CASE_METHOD(FanoutTest,
                 "Fanout: a stream admitted before a publish but joined after it is caught up",
                 "[fanout]") {
  Stream& late = stream();  // its handshake is done; it joins after the next publish
  const auto missed_meanwhile = publish("Ada");
  fan_out();  // the fan-out has moved on already
  REQUIRE(fanout.join(late.subscriber, t0));
  const auto next = publish("Bo");
  fan_out();
  CHECK(late.text() == missed_meanwhile->frame + next->frame);
}

TEST_CASE_METHOD(FanoutTest, "Fanout: a stream whose sink refuses is reported, the others served",
                 "[fanout]") {
  Stream& slow = joined();
  Stream& fine = joined();
  slow.sink.accept = false;
  const auto event = publish("Ada");
  fan_out();
  REQUIRE(dropped.size() == 1);
  CHECK(dropped.front() == &slow.subscriber);
  CHECK(fine.text() == event->frame);
}

TEST_CASE_METHOD(FanoutTest, "Fanout: leave() stops delivery, whatever the order streams leave in",
                 "[fanout]") {
  Stream& a = joined();
  Stream& b = joined();
  Stream& c = joined();
  fanout.leave(a.subscriber);
  fanout.leave(a.subscriber);  // twice is harmless
  CHECK(fanout.size() == 2);
  publish("Ada");
  fan_out();
  CHECK(a.sink.sends == 0);
  CHECK(b.sink.sends == 1);
  CHECK(c.sink.sends == 1);
  fanout.leave(c.subscriber);
  fanout.leave(b.subscriber);
  CHECK(fanout.size() == 0);
}

TEST_CASE_METHOD(FanoutTest, "Fanout: heartbeats go to streams quiet for a whole period only",
                 "[fanout]") {
  Stream& quiet = joined();
  Stream& busy = joined();
  Stream& plain = joined({.chunked = false});
  tick(14s);
  CHECK(quiet.sink.sends == 0);
  publish("Ada");
  fan_out(14s);
  busy.sink.received.clear();
  fanout.leave(quiet.subscriber);
  REQUIRE(fanout.join(quiet.subscriber, t0));  // back in, last written at t0
  tick(16s);
  CHECK(count(quiet.text(), ": heartbeat") == 1);
  CHECK(busy.sink.received.empty());  // it was written to 2 s ago
  CHECK(plain.sink.received.find(": heartbeat") == std::string::npos);
  tick(30s);
  CHECK(count(plain.sink.received, ": heartbeat") == 1);  // no framing on HTTP/1.0
  CHECK(dropped.empty());
}

TEST_CASE_METHOD(FanoutTest,
                 "Fanout: a stream that fell behind the live buffer is dropped, not skipped ahead",
                 "[fanout]") {
  Stream& stale = stream();
  for (int i = 0; i < 5000; ++i) publish("n" + std::to_string(i));
  CHECK_FALSE(fanout.join(stale.subscriber, t0));
  CHECK(stale.sink.sends == 0);
}

TEST_CASE_METHOD(FanoutTest,
                 "Fanout: a channel stream gets its channel's events and those with none",
                 "[fanout][channel]") {
  Stream& mug = joined({.channel = "mug"});
  Stream& hat = joined({.channel = "hat"});
  Stream& all = joined();
  const auto on_mug = publish("Ada", "mug");
  const auto on_hat = publish("Bo", "hat");
  const auto everywhere = publish("Cy");
  fan_out();
  CHECK(mug.text() == on_mug->frame + everywhere->frame);
  CHECK(hat.text() == on_hat->frame + everywhere->frame);
  CHECK(all.text() == on_mug->frame + on_hat->frame + everywhere->frame);
  // Skipped events do not come round again on the next publish.
  const auto later = publish("Di", "hat");
  mug.sink.received.clear();
  hat.sink.received.clear();
  fan_out();
  CHECK(mug.sink.received.empty());
  CHECK(hat.text() == later->frame);
  CHECK(dropped.empty());
}

TEST_CASE_METHOD(FanoutTest,
                 "Fanout: a channel stream that joins late is caught up with its channel only",
                 "[fanout][channel]") {
  Stream& late = stream({.channel = "mug"});
  publish("Ada", "hat");
  const auto on_mug = publish("Bo", "mug");
  fan_out();
  REQUIRE(fanout.join(late.subscriber, t0));
  CHECK(late.text() == on_mug->frame);
}

TEST_CASE_METHOD(FanoutTest,
                 "Fanout: an erasure reaches every stream as event: erase, without an id line",
                 "[fanout][erase]") {
  Stream& mug = joined({.channel = "mug"});
  Stream& hat = joined({.channel = "hat"});
  Stream& plain = joined({.chunked = false});
  const auto event = publish("Ada", "mug");
  fan_out();
  for (Stream* s : {&mug, &hat, &plain}) s->sink.received.clear();
  REQUIRE(hub.erase(event->id));
  fan_out();
  fan_out();  // sent once
  const std::string notice = "event: erase\ndata: {\"id\":" + std::to_string(event->id) + "}\n\n";
  CHECK(mug.text() == notice);
  CHECK(hat.text() == notice);  // a page drops the card if it has it
  CHECK(plain.text() == notice);
  CHECK(notice.find("id: ") == std::string::npos);
  CHECK_FALSE(hub.erase(event->id));  // gone: a second erase finds nothing
  CHECK(dropped.empty());
}

TEST_CASE_METHOD(FanoutTest,
                 "Fanout: presence streams get the count at once, then changes once per interval",
                 "[fanout][presence]") {
  Stream& watcher = joined({.presence = true});
  CHECK(watcher.text() == presence_notice(1));
  Stream& silent = joined({}, 1s);
  Stream& mug = joined({.channel = "mug", .presence = true}, 2s);
  CHECK(mug.text() == presence_notice(1));
  watcher.sink.received.clear();
  mug.sink.received.clear();
  tick(5s);  // 3 open now, but within the interval
  CHECK(watcher.sink.received.empty());
  tick(10s);
  CHECK(watcher.text() == presence_notice(3));
  CHECK(mug.sink.received.empty());  // its channel still has 1: nothing changed
  Stream& other = joined({.channel = "mug"}, 11s);
  fanout.leave(silent.subscriber);
  tick(12s);
  CHECK(mug.text() == presence_notice(2));
  presence.set_remote("mug", 4);  // pages open on other instances
  tick(30s);
  CHECK(mug.text() == presence_notice(2) + presence_notice(6));
  CHECK(count(watcher.text(), "event: presence") == 1);  // still 3
  CHECK(silent.sink.received.find("presence") == std::string::npos);
  CHECK(other.sink.received.find("presence") == std::string::npos);
  CHECK(presence.count("") == 3);
  CHECK(dropped.empty());
}

TEST_CASE_METHOD(FanoutTest, "Fanout: the live count is the same whichever loop holds a stream",
                 "[fanout][presence][threads]") {
  // A second loop's fan-out on the same hub and board (--threads 2).
  Fanout second{hub, metrics, presence, 15s, 10s};
  Stream& here = joined({.presence = true});
  Stream& there = stream({.presence = true});
  REQUIRE(second.join(there.subscriber, t0));
  CHECK(there.text() == presence_notice(2));  // counts the stream on the other loop too
  const auto event = publish("Ada");
  fan_out();
  second.publish(t0, dropped);
  CHECK(here.text() == presence_notice(1) + event->frame);
  CHECK(there.text() == presence_notice(2) + event->frame);  // one frame, both loops
  second.leave(there.subscriber);
  tick(10s);
  CHECK(here.text() == presence_notice(1) + event->frame);  // 1 again: nothing changed
  CHECK(presence.count("") == 1);
}

TEST_CASE_METHOD(FanoutTest, "Fanout: the live count goes to other instances and theirs comes back",
                 "[fanout][presence]") {
  proof::core::PresenceExchange exchange;
  PresenceBoard shared{&exchange};
  Fanout linked{hub, metrics, shared, 15s, 10s};
  Stream& mug = stream({.channel = "mug", .presence = true});
  REQUIRE(linked.join(mug.subscriber, t0));
  linked.tick(t0, dropped);
  using Counts = proof::core::PresenceExchange::Counts;
  CHECK(exchange.local() == Counts{{"", 1}, {"mug", 1}});  // ours, out at the next tick
  exchange.post_remote({{"", 7}, {"mug", 5}});             // theirs, in at the next one
  linked.tick(t0 + 10s, dropped);
  CHECK(mug.text() == presence_notice(1) + presence_notice(6));
  CHECK(dropped.empty());
}

TEST_CASE_METHOD(FanoutTest,
                 "Fanout: a fan-out spread over turns still gives each stream each event once",
                 "[fanout]") {
  std::vector<Stream*> open;
  open.reserve(10);
  for (int i = 0; i < 10; ++i) open.push_back(&joined());
  const auto first = publish("Ada");
  const auto second = publish("Bo");
  int turns = 1;
  bool more = fanout.publish(t0, dropped, 3);  // three streams a turn
  // Between turns, streams come and go: a stream written to leaves (the last one takes its
  // place in the list), and a new one joins.
  fanout.leave(open[0]->subscriber);
  Stream& late = joined();
  while (more) {
    more = fanout.publish(t0, dropped, 3);
    ++turns;
  }
  CHECK(turns >= 4);
  CHECK(dropped.empty());
  for (std::size_t i = 1; i < open.size(); ++i) {
    INFO("stream " << i);
    CHECK(open[i]->text() == first->frame + second->frame);
  }
  CHECK(late.sink.received.empty());            // it opened after both: nothing of them
  CHECK_FALSE(fanout.publish(t0, dropped, 3));  // nothing new: nothing sent twice
  const auto third = publish("Cy");
  while (fanout.publish(t0, dropped, 3)) {
  }
  CHECK(open[5]->text() == first->frame + second->frame + third->frame);
  CHECK(late.text() == third->frame);
}

TEST_CASE_METHOD(FanoutTest,
                 "Fanout: an event published during a fan-out's turns is not left behind",
                 "[fanout]") {
  Stream& a = joined();
  Stream& b = joined();
  const auto first = publish("Ada");
  CHECK(fanout.publish(t0, dropped, 1));  // one stream written, one to go
  // Published now, with the loop's wake-up for it spent on the turn still under way: the
  // fan-out must say there is more when that turn ends, not wait for another publish.
  const auto second = publish("Bo");
  while (fanout.publish(t0, dropped, 1)) {
  }
  CHECK(a.text() == first->frame + second->frame);
  CHECK(b.text() == first->frame + second->frame);
}
