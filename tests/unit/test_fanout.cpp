// fanout.h: what each stream is sent, through fake sinks (no sockets): every event once and
// in order, chunk framing for HTTP/1.1 and none for HTTP/1.0, catch-up of a stream that
// joined late, heartbeats only on quiet streams, and drops reported, never skipped.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/hub.h"
#include "core/metrics.h"
#include "net/fanout.h"

using namespace std::chrono_literals;
using proof::Hub;
using proof::Metrics;
using proof::Signup;
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

Signup signup_named(std::string name) {
  return Signup{std::move(name), "offer", "/img/a.svg", "", "", ""};
}

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
  for (std::size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
    ++n;
  return n;
}

struct Stream {
  RecordingSink sink;
  Subscriber subscriber;
  explicit Stream(std::uint64_t cursor, bool chunked = true) {
    subscriber.sink = &sink;
    subscriber.cursor = cursor;
    subscriber.chunked = chunked;
  }
};

}  // namespace

TEST_CASE("Fanout: every stream gets each event once, in order, chunk-framed", "[fanout]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  const auto now = Clock::now();
  Stream a(hub.last_id()), b(hub.last_id());
  REQUIRE(fanout.join(a.subscriber, now));
  REQUIRE(fanout.join(b.subscriber, now));
  const auto first = hub.publish(signup_named("Ada"));
  const auto second = hub.publish(signup_named("Bo"));
  fanout.publish(now, dropped);
  fanout.publish(now, dropped);  // nothing new: nothing sent twice
  CHECK(dropped.empty());
  for (Stream* s : {&a, &b}) {
    const std::string text = unchunk(s->sink.received);
    CHECK(text == first->frame + second->frame);
    CHECK(s->subscriber.cursor == second->id);
  }
  CHECK(metrics.render(0).find("proof_deliveries_total 4") != std::string::npos);
}

TEST_CASE("Fanout: an HTTP/1.0 stream gets the frames without chunk framing", "[fanout]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  Stream plain(hub.last_id(), false);
  REQUIRE(fanout.join(plain.subscriber, Clock::now()));
  const auto event = hub.publish(signup_named("Ada"));
  fanout.publish(Clock::now(), dropped);
  CHECK(plain.sink.received == event->frame);
}

TEST_CASE("Fanout: a stream admitted before a publish but joined after it is caught up",
          "[fanout]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  const std::uint64_t handshake_cursor = hub.last_id();
  const auto missed_meanwhile = hub.publish(signup_named("Ada"));
  fanout.publish(Clock::now(), dropped);  // the fan-out has moved on already
  Stream late(handshake_cursor);
  REQUIRE(fanout.join(late.subscriber, Clock::now()));
  const auto next = hub.publish(signup_named("Bo"));
  fanout.publish(Clock::now(), dropped);
  CHECK(unchunk(late.sink.received) == missed_meanwhile->frame + next->frame);
}

TEST_CASE("Fanout: a stream whose sink refuses is reported, the others still served", "[fanout]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  Stream slow(hub.last_id()), fine(hub.last_id());
  REQUIRE(fanout.join(slow.subscriber, Clock::now()));
  REQUIRE(fanout.join(fine.subscriber, Clock::now()));
  slow.sink.accept = false;
  const auto event = hub.publish(signup_named("Ada"));
  fanout.publish(Clock::now(), dropped);
  REQUIRE(dropped.size() == 1);
  CHECK(dropped.front() == &slow.subscriber);
  CHECK(unchunk(fine.sink.received) == event->frame);
}

TEST_CASE("Fanout: leave() stops delivery, whatever the order streams leave in", "[fanout]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  Stream a(hub.last_id()), b(hub.last_id()), c(hub.last_id());
  for (Stream* s : {&a, &b, &c}) REQUIRE(fanout.join(s->subscriber, Clock::now()));
  fanout.leave(a.subscriber);
  fanout.leave(a.subscriber);  // twice is harmless
  CHECK(fanout.size() == 2);
  hub.publish(signup_named("Ada"));
  fanout.publish(Clock::now(), dropped);
  CHECK(a.sink.sends == 0);
  CHECK(b.sink.sends == 1);
  CHECK(c.sink.sends == 1);
  fanout.leave(c.subscriber);
  fanout.leave(b.subscriber);
  CHECK(fanout.size() == 0);
}

TEST_CASE("Fanout: heartbeats go to streams quiet for a whole period only", "[fanout]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  const auto t0 = Clock::now();
  Stream quiet(hub.last_id()), busy(hub.last_id()), plain(hub.last_id(), false);
  for (Stream* s : {&quiet, &busy, &plain}) REQUIRE(fanout.join(s->subscriber, t0));
  fanout.tick(t0 + 14s, dropped);
  CHECK(quiet.sink.sends == 0);
  hub.publish(signup_named("Ada"));
  fanout.publish(t0 + 14s, dropped);
  busy.sink.received.clear();
  fanout.leave(quiet.subscriber);
  REQUIRE(fanout.join(quiet.subscriber, t0));  // back in, last written at t0
  fanout.tick(t0 + 16s, dropped);
  CHECK(count(unchunk(quiet.sink.received), ": heartbeat") == 1);
  CHECK(busy.sink.received.empty());  // it was written to 2 s ago
  CHECK(plain.sink.received.find(": heartbeat") == std::string::npos);
  fanout.tick(t0 + 30s, dropped);
  CHECK(count(plain.sink.received, ": heartbeat") == 1);  // no framing on HTTP/1.0
  CHECK(dropped.empty());
}

TEST_CASE("Fanout: a stream that fell behind the live buffer is dropped, not skipped ahead",
          "[fanout]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  Stream stale(hub.last_id());
  const std::uint64_t cursor = hub.last_id();
  for (int i = 0; i < 5000; ++i) hub.publish(signup_named("n" + std::to_string(i)));
  stale.subscriber.cursor = cursor;
  CHECK_FALSE(fanout.join(stale.subscriber, Clock::now()));
  CHECK(stale.sink.sends == 0);
}

namespace {
Signup signup_on(std::string name, std::string channel) {
  Signup s = signup_named(std::move(name));
  s.channel = std::move(channel);
  return s;
}
}  // namespace

TEST_CASE("Fanout: a channel stream gets its channel's events and those with none",
          "[fanout][channel]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  Stream mug(hub.last_id()), hat(hub.last_id()), all(hub.last_id());
  mug.subscriber.channel = "mug";
  hat.subscriber.channel = "hat";
  for (Stream* s : {&mug, &hat, &all}) REQUIRE(fanout.join(s->subscriber, Clock::now()));
  const auto on_mug = hub.publish(signup_on("Ada", "mug"));
  const auto on_hat = hub.publish(signup_on("Bo", "hat"));
  const auto everywhere = hub.publish(signup_named("Cy"));
  fanout.publish(Clock::now(), dropped);
  CHECK(unchunk(mug.sink.received) == on_mug->frame + everywhere->frame);
  CHECK(unchunk(hat.sink.received) == on_hat->frame + everywhere->frame);
  CHECK(unchunk(all.sink.received) == on_mug->frame + on_hat->frame + everywhere->frame);
  // Skipped events do not come round again on the next publish.
  const auto later = hub.publish(signup_on("Di", "hat"));
  mug.sink.received.clear();
  hat.sink.received.clear();
  fanout.publish(Clock::now(), dropped);
  CHECK(mug.sink.received.empty());
  CHECK(unchunk(hat.sink.received) == later->frame);
  CHECK(dropped.empty());
}

TEST_CASE("Fanout: a channel stream that joins late is caught up with its channel only",
          "[fanout][channel]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  Stream late(hub.last_id());
  late.subscriber.channel = "mug";
  hub.publish(signup_on("Ada", "hat"));
  const auto on_mug = hub.publish(signup_on("Bo", "mug"));
  fanout.publish(Clock::now(), dropped);
  REQUIRE(fanout.join(late.subscriber, Clock::now()));
  CHECK(unchunk(late.sink.received) == on_mug->frame);
}

TEST_CASE("Fanout: an erasure reaches every stream as event: erase, without an id line",
          "[fanout][erase]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s);
  std::vector<Subscriber*> dropped;
  Stream mug(hub.last_id()), hat(hub.last_id()), plain(hub.last_id(), false);
  mug.subscriber.channel = "mug";
  hat.subscriber.channel = "hat";
  for (Stream* s : {&mug, &hat, &plain}) REQUIRE(fanout.join(s->subscriber, Clock::now()));
  const auto event = hub.publish(signup_on("Ada", "mug"));
  fanout.publish(Clock::now(), dropped);
  for (Stream* s : {&mug, &hat}) s->sink.received.clear();
  plain.sink.received.clear();
  REQUIRE(hub.erase(event->id));
  fanout.publish(Clock::now(), dropped);
  fanout.publish(Clock::now(), dropped);  // sent once
  const std::string notice = "event: erase\ndata: {\"id\":" + std::to_string(event->id) + "}\n\n";
  CHECK(unchunk(mug.sink.received) == notice);
  CHECK(unchunk(hat.sink.received) == notice);  // a page drops the card if it has it
  CHECK(plain.sink.received == notice);
  CHECK(notice.find("id: ") == std::string::npos);
  CHECK_FALSE(hub.erase(event->id));  // gone: a second erase finds nothing
  CHECK(dropped.empty());
}

TEST_CASE("Fanout: presence streams get the count at once, then changes once per interval",
          "[fanout][presence]") {
  Hub hub(100, 10);
  Metrics metrics;
  Fanout fanout(hub, metrics, 15s, 10s);
  std::vector<Subscriber*> dropped;
  const auto t0 = Clock::now();
  Stream watcher(hub.last_id()), mug(hub.last_id()), silent(hub.last_id()), other(hub.last_id());
  watcher.subscriber.presence = true;
  mug.subscriber.presence = true;
  mug.subscriber.channel = "mug";
  REQUIRE(fanout.join(watcher.subscriber, t0));
  CHECK(unchunk(watcher.sink.received) == "event: presence\ndata: {\"count\":1}\n\n");
  REQUIRE(fanout.join(silent.subscriber, t0 + 1s));
  REQUIRE(fanout.join(mug.subscriber, t0 + 2s));
  CHECK(unchunk(mug.sink.received) == "event: presence\ndata: {\"count\":1}\n\n");
  watcher.sink.received.clear();
  mug.sink.received.clear();
  fanout.tick(t0 + 5s, dropped);  // 3 open now, but within the interval
  CHECK(watcher.sink.received.empty());
  fanout.tick(t0 + 10s, dropped);
  CHECK(unchunk(watcher.sink.received) == "event: presence\ndata: {\"count\":3}\n\n");
  CHECK(mug.sink.received.empty());  // its channel still has 1: nothing changed
  other.subscriber.channel = "mug";
  REQUIRE(fanout.join(other.subscriber, t0 + 11s));
  fanout.leave(silent.subscriber);
  fanout.tick(t0 + 12s, dropped);
  CHECK(unchunk(mug.sink.received) == "event: presence\ndata: {\"count\":2}\n\n");
  fanout.presence().set_remote("mug", 4);  // pages open on other instances
  fanout.tick(t0 + 30s, dropped);
  CHECK(unchunk(mug.sink.received) ==
        "event: presence\ndata: {\"count\":2}\n\nevent: presence\ndata: {\"count\":6}\n\n");
  CHECK(count(unchunk(watcher.sink.received), "event: presence") == 1);  // still 3
  CHECK(silent.sink.received.find("presence") == std::string::npos);
  CHECK(other.sink.received.find("presence") == std::string::npos);
  CHECK(fanout.open_pages("") == 3);
  CHECK(dropped.empty());
}
