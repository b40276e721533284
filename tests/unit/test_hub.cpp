// hub.h: publishing, replay, the subscriber cap, the listener that wakes the event loop, and
// readers on other threads.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/history_store.h"
#include "core/hub.h"
#include "event_ids.h"

using namespace std::chrono_literals;
using proof::core::EventPtr;
using proof::core::Hub;
using proof::core::Signup;
using proof::test::ids;
using Clock = std::chrono::steady_clock;

namespace {

Signup signup_named(std::string name) {
  return Signup{std::move(name), "offer", "/img/a.svg", "", "", ""};
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("Hub: publish assigns strictly increasing ids from the wall clock", "[hub]") {
  Hub hub(100, 10);
  CHECK(hub.last_id() == 0);
  const std::int64_t before_ms = wall_ms();
  std::uint64_t previous = 0;
  for (int i = 0; i < 200; ++i) {
    const EventPtr e = hub.publish(signup_named("u" + std::to_string(i)));
    REQUIRE(e);
    CHECK(e->id > previous);
    CHECK(e->signup.user_name == "u" + std::to_string(i));
    previous = e->id;
  }
  const std::int64_t after_ms = wall_ms();
  CHECK(hub.last_id() == previous);
  // Ids are microseconds of the wall clock (restart safety), timestamps milliseconds.
  CHECK(previous >= static_cast<std::uint64_t>(before_ms) * 1000);
  const EventPtr last = hub.resume(0).back();
  CHECK(last->ts_ms >= before_ms);
  CHECK(last->ts_ms <= after_ms + 1);
}

TEST_CASE("Hub: start(n) gives the n most recent events and the newest id as cursor", "[hub]") {
  Hub hub(100, 10);
  std::vector<std::uint64_t> published;
  published.reserve(6);
  for (int i = 0; i < 6; ++i) published.push_back(hub.publish(signup_named("u"))->id);

  const Hub::Start three = hub.start(3);
  CHECK(ids(three.replay) == std::vector<std::uint64_t>(published.end() - 3, published.end()));
  CHECK(three.cursor == published.back());

  const Hub::Start none = hub.start(0);
  CHECK(none.replay.empty());
  CHECK(none.cursor == published.back());

  CHECK(ids(hub.start(50).replay) == published);

  // A stream that starts here and then follows after(cursor) sees the next event only.
  const auto next = hub.publish(signup_named("late"))->id;
  CHECK(ids(hub.resume(none.cursor)) == std::vector<std::uint64_t>{next});
}

TEST_CASE("Hub: start on an empty hub has nothing to replay and cursor 0", "[hub]") {
  Hub hub(100, 10);
  const Hub::Start s = hub.start(10);
  CHECK(s.replay.empty());
  CHECK(s.cursor == 0);
}

TEST_CASE("Hub: after(id) returns what followed, and the history is bounded", "[hub]") {
  Hub hub(4, 10);
  std::vector<std::uint64_t> published;
  published.reserve(10);
  for (int i = 0; i < 10; ++i) published.push_back(hub.publish(signup_named("u"))->id);
  CHECK(ids(hub.resume(published[7])) == std::vector<std::uint64_t>{published[8], published[9]});
  CHECK(ids(hub.resume(0)) == std::vector<std::uint64_t>(published.end() - 4, published.end()));
  CHECK(hub.resume(published.back()).empty());
}

TEST_CASE("Hub: the cursor survives a history of 0", "[hub]") {
  Hub hub(0, 10);
  const auto id = hub.publish(signup_named("u"))->id;
  CHECK(hub.start(5).replay.empty());
  CHECK(hub.start(5).cursor == id);
  CHECK(hub.last_id() == id);
}

TEST_CASE("Hub: try_subscribe stops at max_subscribers and unsubscribe frees a slot",
          "[hub][subscribers]") {
  Hub hub(10, 3);
  CHECK(hub.max_subscribers() == 3);
  CHECK(hub.try_subscribe());
  CHECK(hub.try_subscribe());
  CHECK(hub.try_subscribe());
  CHECK(hub.subscribers() == 3);
  CHECK_FALSE(hub.try_subscribe());
  CHECK(hub.subscribers() == 3);
  hub.unsubscribe();
  CHECK(hub.subscribers() == 2);
  CHECK(hub.try_subscribe());
  CHECK_FALSE(hub.try_subscribe());
}

TEST_CASE("Hub: concurrent try_subscribe never exceeds the cap", "[hub][subscribers][threads]") {
  Hub hub(10, 50);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (hub.try_subscribe()) granted.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(granted.load() == 50);
  CHECK(hub.subscribers() == 50);
}

TEST_CASE(
    "Hub: the listener is called after every publish and erasure, and not after a refused one",
    "[hub][listener]") {
  Hub hub(10, 10);
  int calls = 0;
  hub.set_listener([&] { ++calls; });
  const auto first = hub.publish(signup_named("a"));
  CHECK(calls == 1);
  hub.publish(signup_named("b"));
  CHECK(calls == 2);
  CHECK(hub.erase(first->id));
  CHECK(calls == 3);
  CHECK_FALSE(hub.erase(first->id));  // nothing to tell anyone
  CHECK(calls == 3);
  hub.set_listener(nullptr);
  hub.publish(signup_named("c"));
  CHECK(calls == 3);
}

TEST_CASE("Hub: concurrent readers see every published id exactly once, in order",
          "[hub][threads]") {
  constexpr int kPublishers = 8;
  constexpr int kPerPublisher = 500;
  constexpr int kReaders = 16;
  constexpr std::size_t kTotal = std::size_t{kPublishers} * kPerPublisher;
  Hub hub(kTotal, kReaders);  // history holds everything, so a slow reader misses nothing

  std::atomic<bool> go{false};
  std::vector<std::vector<std::uint64_t>> seen(kReaders);
  std::vector<std::thread> threads;
  threads.reserve(kReaders);
  const auto deadline = Clock::now() + 15s;

  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      auto& mine = seen[static_cast<std::size_t>(r)];
      std::uint64_t cursor = 0;
      while (!go.load()) std::this_thread::yield();
      while (mine.size() < kTotal && Clock::now() < deadline) {
        bool missed = false;
        const auto events = hub.next(cursor, missed);
        if (missed) mine.push_back(0);  // a hole: fails the exactly-once check below
        for (const auto& e : events) {
          mine.push_back(e->id);
          cursor = e->id;
        }
        if (events.empty()) std::this_thread::yield();
      }
    });
  }
  std::vector<std::vector<std::uint64_t>> published(kPublishers);
  for (int p = 0; p < kPublishers; ++p) {
    threads.emplace_back([&, p] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kPerPublisher; ++i) {
        published[static_cast<std::size_t>(p)].push_back(hub.publish(signup_named("p"))->id);
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();

  std::vector<std::uint64_t> all;
  for (const auto& p : published) all.insert(all.end(), p.begin(), p.end());
  std::sort(all.begin(), all.end());
  REQUIRE(all.size() == kTotal);
  REQUIRE(std::adjacent_find(all.begin(), all.end()) == all.end());  // ids are unique

  for (int r = 0; r < kReaders; ++r) {
    INFO("reader " << r);
    CHECK(seen[static_cast<std::size_t>(r)] == all);  // all of them, once each, increasing
  }
}

TEST_CASE("Hub: a live stream that falls behind the buffer learns it missed events", "[hub]") {
  Hub hub(5, 10);
  const std::uint64_t cursor = hub.start(0).cursor;
  bool missed = true;
  hub.publish(Signup{"a", "o", "/i", "", "", ""});
  CHECK(hub.next(cursor, missed).size() == 1);
  CHECK_FALSE(missed);
  // Far more events than any buffer holds arrive before the stream looks again.
  for (int i = 0; i < 5000; ++i) hub.publish(Signup{"b", "o", "/i", "", "", ""});
  const auto events = hub.next(cursor, missed);
  CHECK(missed);
  CHECK_FALSE(events.empty());
  // A resuming browser gets at most --history events, never a silent hole it cannot see.
  CHECK(hub.resume(cursor).size() == 5);
}

TEST_CASE("Hub: a stream a burst behind still gets every event", "[hub]") {
  Hub hub(5, 10);
  const std::uint64_t cursor = hub.start(0).cursor;
  std::vector<std::uint64_t> published;
  published.reserve(500);
  for (int i = 0; i < 500; ++i) {
    published.push_back(hub.publish(Signup{"c", "o", "/i", "", "", ""})->id);
  }
  bool missed = true;
  std::vector<std::uint64_t> got;
  for (const auto& e : hub.next(cursor, missed)) got.push_back(e->id);
  CHECK_FALSE(missed);
  CHECK(got == published);
}

namespace {
Signup signup_on(std::string name, std::string channel) {
  Signup s = signup_named(std::move(name));
  s.channel = std::move(channel);
  return s;
}
}  // namespace

TEST_CASE("Hub: replay and resume on a channel hold its events and those without one",
          "[hub][channel]") {
  Hub hub(100, 10);
  const auto a = hub.publish(signup_on("a", "mug"));
  const auto b = hub.publish(signup_on("b", "hat"));
  const auto c = hub.publish(signup_named("c"));
  const auto d = hub.publish(signup_on("d", "hat"));
  const auto e = hub.publish(signup_on("e", "mug"));
  // replay=N counts the events that match, not those published.
  const auto start = hub.start(2, "mug");
  CHECK(ids(start.replay) == std::vector<std::uint64_t>{c->id, e->id});
  CHECK(start.cursor == e->id);
  CHECK(ids(hub.start(5, "mug").replay) == std::vector<std::uint64_t>{a->id, c->id, e->id});
  CHECK(ids(hub.start(5).replay).size() == 5);
  CHECK(ids(hub.resume(a->id, "hat")) == std::vector<std::uint64_t>{b->id, c->id, d->id});
  CHECK(ids(hub.resume(a->id)).size() == 4);
}

TEST_CASE("Hub: an erased event is never replayed or resumed, and is announced once",
          "[hub][erase]") {
  Hub hub(100, 10);
  const auto a = hub.publish(signup_named("a"));
  const auto b = hub.publish(signup_named("b"));
  const auto c = hub.publish(signup_named("c"));
  const std::uint64_t seq = hub.notice_seq();
  REQUIRE(hub.erase(b->id));
  CHECK_FALSE(hub.erase(b->id));
  CHECK_FALSE(hub.erase(c->id + 1));
  CHECK(ids(hub.start(10).replay) == std::vector<std::uint64_t>{a->id, c->id});
  CHECK(ids(hub.resume(a->id)) == std::vector<std::uint64_t>{c->id});
  const auto notices = hub.notices_after(seq);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].frame == "event: erase\ndata: {\"id\":" + std::to_string(b->id) + "}\n\n");
  CHECK(hub.notices_after(notices[0].seq).empty());
}

namespace {
/// A disk that stalls: append() and erase() wait until the test lets them through.
class StallingStore : public proof::core::HistoryStore {
 public:
  void append(const proof::core::Event&) override { wait_turn(); }
  std::vector<EventPtr> load(std::size_t) override { return {}; }
  void erase(std::uint64_t) override { wait_turn(); }
  std::uint64_t last_id() override { return 0; }

  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  void wait_until_stalled() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return stalled_; });
  }

 private:
  void wait_turn() {
    std::unique_lock lock(mutex_);
    stalled_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stalled_ = false;
  bool released_ = false;
};
}  // namespace

TEST_CASE("Hub: a store that stalls on a write holds up no stream's reads", "[hub][store]") {
  StallingStore store;
  Hub hub(100, 10, &store);
  auto publishing = std::async(std::launch::async, [&] { return hub.publish(signup_named("a")); });
  store.wait_until_stalled();
  // Every stream's reads (the fan-out's next(), a handshake's start() and resume()) answer
  // while the disk holds the publisher: the event is not there yet, and nothing waits.
  auto reading = std::async(std::launch::async, [&] {
    bool missed = false;
    return hub.next(0, missed).size() + hub.start(10).replay.size() + hub.resume(0).size() +
           (hub.last_id() == 0 ? 0 : 1);
  });
  const bool answered = reading.wait_for(10s) == std::future_status::ready;
  store.release();
  REQUIRE(answered);
  CHECK(reading.get() == 0);
  const auto event = publishing.get();
  bool missed = false;
  CHECK(ids(hub.next(0, missed)) == std::vector<std::uint64_t>{event->id});
}
