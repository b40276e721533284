// sources/intake.h: what a verified delivery does, with a real hub, publisher, counts and
// key store and no sockets: one card however often it comes, the take-back of that card,
// and nothing published when the store fails.
#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/daily_stats.h"
#include "core/digest.h"
#include "core/encoding.h"
#include "core/hourly_totals.h"
#include "core/hub.h"
#include "core/memory_key_store.h"
#include "core/metrics.h"
#include "core/publisher.h"
#include "core/tallies.h"
#include "sources/intake.h"
#include "sources/stripe.h"

using namespace proof;
using namespace proof::sources;
using json = nlohmann::json;

namespace {

constexpr const char* kSecret = "whsec_intake";

/// Everything an intake needs, in memory.
struct Bench {
  Hub hub{100, 100};
  Metrics metrics;
  DailyStats daily;
  HourlyTotals hourly;
  LocalTallies tallies{daily, hourly};
  Publisher publisher{hub, metrics, tallies, DisplayName::kInitial};
  MemoryKeyStore keys;
  Intake intake{publisher, keys, false};
  std::unique_ptr<Receiver> stripe = make_stripe({kSecret});

  Result send(const json& event, const Extras& extras = {}) {
    const std::string body = event.dump();
    const auto now = Clock::now();
    const std::string t = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    Delivery d;
    d.body = body;
    d.headers = {
        {"stripe-signature", "t=" + t + ",v1=" + to_hex(hmac_sha256(kSecret, t + "." + body))}};
    return intake.receive(*stripe, d, extras, now);
  }

  std::uint64_t signups_today() { return daily.days(1, Clock::now()).back().counts.published; }
};

json paid(const std::string& event_id, const std::string& session = "cs_1",
          const std::string& intent = "pi_1") {
  return {{"id", event_id},
          {"type", "checkout.session.completed"},
          {"livemode", true},
          {"data",
           {{"object",
             {{"id", session},
              {"payment_status", "paid"},
              {"payment_intent", intent},
              {"customer_details", {{"name", "Jane Doe"}}}}}}}};
}

json refund(const std::string& event_id, const std::string& intent = "pi_1", bool full = true) {
  return {{"id", event_id},
          {"type", "charge.refunded"},
          {"livemode", true},
          {"data", {{"object", {{"id", "ch_1"}, {"payment_intent", intent}, {"refunded", full}}}}}};
}

}  // namespace

TEST_CASE("Intake: a verified purchase is one card, marked with its source and the name policy",
          "[intake]") {
  Bench b;
  const Result first = b.send(paid("evt_1"), {.channel = "mugs"});
  REQUIRE(first.outcome == DeliveryOutcome::kPublished);
  CHECK(first.status == 202);
  const EventPtr event = b.hub.find(first.id);
  REQUIRE(event);
  CHECK(event->signup.source == "stripe");
  CHECK(event->signup.user_name == "Jane D.");  // --display-name initial
  CHECK(event->signup.channel == "mugs");
  CHECK(json::parse(event->json)["source"] == "stripe");
  CHECK(json::parse(first.body)["id"] == first.id);
  CHECK(b.signups_today() == 1);
}

TEST_CASE("Intake: a verified card is a purchase, and one without a product names none",
          "[intake][kind]") {
  Bench b;
  const Result plain = b.send(paid("evt_1"), {.channel = "mugs"});
  REQUIRE(plain.outcome == DeliveryOutcome::kPublished);
  const EventPtr event = b.hub.find(plain.id);
  REQUIRE(event);
  CHECK(event->signup.kind == EventKind::kPurchase);
  const json data = json::parse(event->json);
  CHECK(data["kind"] == "purchase");
  // No metadata.offer_name and no ?offer=: "just bought from us", not "one of our partners".
  CHECK_FALSE(data.contains("offer_name"));

  json named = paid("evt_2", "cs_2", "pi_2");
  named["data"]["object"]["metadata"]["offer_name"] = "Blue mug";
  const EventPtr mug = b.hub.find(b.send(named).id);
  REQUIRE(mug);
  CHECK(json::parse(mug->json)["offer_name"] == "Blue mug");
  const EventPtr tea = b.hub.find(b.send(paid("evt_3", "cs_3", "pi_3"), {.offer = "Tea"}).id);
  REQUIRE(tea);
  CHECK(tea->signup.offer_name == "Tea");

  const auto counts = b.daily.days(1, Clock::now()).back().counts;
  CHECK(counts.published == 3);
  CHECK(counts.purchases == 3);
  CHECK(b.hourly.count(24, "mugs", EventKind::kPurchase, Clock::now()) == 1);
  CHECK(b.hourly.count(24, "", EventKind::kSignup, Clock::now()) == 0);
}

TEST_CASE("Intake: a take-back uncounts a purchase, also once it left the history",
          "[intake][kind]") {
  Bench b;
  const Result shown = b.send(paid("evt_1"));
  REQUIRE(shown.outcome == DeliveryOutcome::kPublished);
  for (int i = 0; i < 1100; ++i) b.publisher.publish(Signup{.user_name = "x"}, "test");
  REQUIRE_FALSE(b.hub.find(shown.id));
  CHECK(b.daily.days(1, Clock::now()).back().counts.purchases == 1);
  CHECK(b.send(refund("evt_r1")).outcome == DeliveryOutcome::kErased);
  CHECK(b.daily.days(1, Clock::now()).back().counts.purchases == 0);
  CHECK(b.hourly.count(24, "", EventKind::kPurchase, Clock::now()) == 0);
  CHECK(b.hourly.count(24, "", EventKind::kSignup, Clock::now()) == 1100);
}

// Issue 32: a platform's text is stripped, not refused (the platform cannot fix its
// customer's name, and would only retry), and its name is reduced on every white space.
TEST_CASE(
    "Intake: a verified name is reduced on Unicode white space and stripped of bidi "
    "controls",
    "[intake]") {
  Bench b;
  json sale = paid("evt_names");
  sale["data"]["object"]["customer_details"]["name"] =
      "\xE5\xB1\xB1\xE7\x94\xB0\xE3\x80\x80\xE5\xA4\xAA\xE9\x83\x8E";  // 山田　太郎
  sale["data"]["object"]["customer_details"]["address"]["city"] =
      "\xE2\x80\xAE"
      "oykoT";
  sale["data"]["object"]["metadata"]["offer_name"] = "Mug\xE2\x80\x8B\xE2\x81\xA6";
  const Result got = b.send(sale);
  REQUIRE(got.outcome == DeliveryOutcome::kPublished);
  const EventPtr event = b.hub.find(got.id);
  REQUIRE(event);
  CHECK(event->signup.user_name == "\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA.");
  CHECK(got.name == event->signup.user_name);  // what /hooks/recent shows
  CHECK(event->signup.city == "oykoT");
  CHECK(event->signup.offer_name == "Mug");
  CHECK(event->json.find("\xE5\xA4\xAA\xE9\x83\x8E") == std::string::npos);

  json hidden = paid("evt_hidden", "cs_2", "pi_2");
  hidden["data"]["object"]["customer_details"]["name"] = "Eve\xE2\x80\xAEgnp.exe";
  const Result eve = b.send(hidden);
  REQUIRE(eve.outcome == DeliveryOutcome::kPublished);
  CHECK(b.hub.find(eve.id)->signup.user_name == "Evegnp.exe");
}

TEST_CASE("Intake: a retried delivery and a second event about the same sale publish nothing",
          "[intake]") {
  Bench b;
  REQUIRE(b.send(paid("evt_1")).outcome == DeliveryOutcome::kPublished);
  const Result again = b.send(paid("evt_1"));
  CHECK(again.outcome == DeliveryOutcome::kDuplicate);
  CHECK(again.status == 200);
  CHECK(json::parse(again.body) == json{{"ignored", "duplicate"}});
  // Another event (async_payment_succeeded after completed) about the same payment.
  CHECK(b.send(paid("evt_9", "cs_other", "pi_1")).outcome == DeliveryOutcome::kDuplicate);
  CHECK(b.hub.last_id() != 0);
  CHECK(b.hub.resume(0).size() == 1);
  // A different sale is a card of its own.
  CHECK(b.send(paid("evt_2", "cs_2", "pi_2")).outcome == DeliveryOutcome::kPublished);
  CHECK(b.hub.resume(0).size() == 2);
}

TEST_CASE("Intake: an unpaid checkout claims nothing, so its paid event shows the card",
          "[intake]") {
  Bench b;
  json unpaid = paid("evt_1");
  unpaid["data"]["object"]["payment_status"] = "unpaid";
  const Result waiting = b.send(unpaid);
  CHECK(waiting.outcome == DeliveryOutcome::kIgnored);
  CHECK(json::parse(waiting.body) == json{{"ignored", "unpaid"}});
  json succeeded = paid("evt_2");
  succeeded["type"] = "checkout.session.async_payment_succeeded";
  CHECK(b.send(succeeded).outcome == DeliveryOutcome::kPublished);
}

TEST_CASE("Intake: a full refund erases the card everywhere, once; the sale cannot come back",
          "[intake]") {
  Bench b;
  const Result shown = b.send(paid("evt_1"));
  REQUIRE(shown.outcome == DeliveryOutcome::kPublished);
  const auto notices = b.hub.notice_seq();
  const Result erased = b.send(refund("evt_r1"));
  CHECK(erased.outcome == DeliveryOutcome::kErased);
  CHECK(json::parse(erased.body) == json{{"erased", shown.id}});
  CHECK_FALSE(b.hub.find(shown.id));         // gone from replay
  CHECK(b.hub.notice_seq() == notices + 1);  // open pages are told
  CHECK(b.signups_today() == 0);             // and the totals no longer count it
  CHECK(b.hourly.count(24, "", std::nullopt, Clock::now()) == 0);
  // The refund retried, and a late retry of the sale itself.
  CHECK(b.send(refund("evt_r1")).outcome == DeliveryOutcome::kDuplicate);
  CHECK(b.send(paid("evt_1")).outcome == DeliveryOutcome::kDuplicate);
  CHECK(b.send(paid("evt_late", "cs_1", "pi_1")).outcome == DeliveryOutcome::kDuplicate);
}

TEST_CASE("Intake: a partial refund leaves the card; a refund before any card is noted",
          "[intake]") {
  Bench b;
  const Result shown = b.send(paid("evt_1"));
  CHECK(b.send(refund("evt_r1", "pi_1", false)).outcome == DeliveryOutcome::kIgnored);
  CHECK(b.hub.find(shown.id));
  const Result none = b.send(refund("evt_r2", "pi_unknown"));
  CHECK(none.outcome == DeliveryOutcome::kIgnored);
  CHECK(json::parse(none.body) == json{{"ignored", "no card"}});
  // Refunded before its sale arrived (Stripe does not promise order): never shown.
  CHECK(b.send(paid("evt_3", "cs_3", "pi_unknown")).outcome == DeliveryOutcome::kDuplicate);
}

TEST_CASE("Intake: the take-back of a card that left the history still corrects the totals",
          "[intake]") {
  Bench b;
  const Result shown = b.send(paid("evt_1"));
  REQUIRE(shown.outcome == DeliveryOutcome::kPublished);
  // The hub keeps 1,024 events for live streams (the replay history is 100 of them): 1,100
  // more push the card out of memory entirely.
  for (int i = 0; i < 1100; ++i) b.publisher.publish(Signup{.user_name = "x"}, "test");
  REQUIRE_FALSE(b.hub.find(shown.id));
  CHECK(b.signups_today() == 1101);
  CHECK(b.send(refund("evt_r1")).outcome == DeliveryOutcome::kErased);
  CHECK(b.signups_today() == 1100);
}

TEST_CASE("Intake: bad signatures, test mode and malformed bodies publish nothing", "[intake]") {
  Bench b;
  Delivery d;
  const std::string body = paid("evt_1").dump();
  d.body = body;
  d.headers = {{"stripe-signature", "t=1,v1=00"}};
  const Result bad = b.intake.receive(*b.stripe, d, {}, Clock::now());
  CHECK(bad.outcome == DeliveryOutcome::kBadSignature);
  CHECK(bad.status == 401);
  json test = paid("evt_2");
  test["livemode"] = false;
  CHECK(b.send(test).outcome == DeliveryOutcome::kIgnored);
  json broken = paid("evt_3");
  broken["data"]["object"]["customer_details"]["name"] = "<script>";  // text is fine...
  CHECK(b.send(broken).outcome == DeliveryOutcome::kPublished);
  CHECK(b.send(json{{"id", "evt_4"}}).outcome ==
        DeliveryOutcome::kMalformed);  // ...this is not Stripe
  CHECK(b.hub.resume(0).size() == 1);
}

namespace {

/// A key store that is down: every call fails.
class DownKeyStore final : public KeyStore {
 public:
  std::optional<std::string> claim(std::span<const std::string>, std::string_view,
                                   std::chrono::seconds, Clock::time_point) override {
    throw KeyStoreError("down");
  }
  void put(std::span<const std::string>, std::string_view, std::chrono::seconds,
           Clock::time_point) override {
    throw KeyStoreError("down");
  }
  std::optional<std::string> get(const std::string&, Clock::time_point) override {
    throw KeyStoreError("down");
  }
  void forget(std::span<const std::string>) override { throw KeyStoreError("down"); }
  std::size_t evicted() const override { return 0; }
};

/// A history store that cannot write.
class FullDisk final : public HistoryStore {
 public:
  void append(const Event&) override { throw StoreError("disk full"); }
  std::vector<EventPtr> load(std::size_t) override { return {}; }
  void erase(std::uint64_t) override {}
  std::uint64_t last_id() override { return 0; }
};

}  // namespace

TEST_CASE("Intake: a store that fails answers 503 and lets the retry publish", "[intake]") {
  Bench b;
  DownKeyStore down;
  Intake no_keys{b.publisher, down, false};
  Delivery d;
  const std::string body = paid("evt_1").dump();
  const auto now = Clock::now();
  const std::string t = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  d.body = body;
  d.headers = {
      {"stripe-signature", "t=" + t + ",v1=" + to_hex(hmac_sha256(kSecret, t + "." + body))}};
  const Result refused = no_keys.receive(*b.stripe, d, {}, now);
  CHECK(refused.status == 503);
  CHECK(refused.retry_after > 0);
  CHECK(b.hub.resume(0).empty());

  // The key store works but the history store does not: the claim is let go.
  FullDisk disk;
  Hub hub(100, 100, &disk);
  Publisher publisher(hub, b.metrics, b.tallies, DisplayName::kFull);
  MemoryKeyStore keys;
  Intake failing{publisher, keys, false};
  CHECK(failing.receive(*b.stripe, d, {}, now).status == 503);
  CHECK(keys.size() == 0);
  // Once it works again the same delivery publishes.
  Intake working{b.publisher, keys, false};
  CHECK(working.receive(*b.stripe, d, {}, now).outcome == DeliveryOutcome::kPublished);
}

TEST_CASE("Intake: the same delivery at the same moment on several threads publishes once",
          "[intake][threads]") {
  Bench b;
  std::atomic<int> published{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
      if (b.send(paid("evt_race")).outcome == DeliveryOutcome::kPublished) ++published;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  CHECK(published == 1);
  CHECK(b.hub.resume(0).size() == 1);
}

TEST_CASE("Intake: a purchase being published elsewhere is retried later, not a duplicate",
          "[intake]") {
  Bench b;
  // Another instance claimed it and is publishing (or gave up after its claim reached the
  // store): the platform must come back, not be told it was shown.
  const std::vector<std::string> pending{store_key("stripe:cs:cs_1")};
  b.keys.put(pending, "pending", Intake::kPending, Clock::now());
  const Result busy = b.send(paid("evt_1"));
  CHECK(busy.status == 503);
  CHECK(busy.retry_after > 0);
  CHECK(b.hub.resume(0).empty());
  // Once that claim lapses, the retry publishes.
  Bench later;
  later.keys.put(pending, "pending", Intake::kPending, Clock::now() - Intake::kPending);
  CHECK(later.send(paid("evt_1")).outcome == DeliveryOutcome::kPublished);
}

TEST_CASE("Intake: store keys are namespaced and bounded in size", "[intake]") {
  CHECK(store_key("stripe:event:evt_1") == "hook:stripe:event:evt_1");
  const std::string huge = store_key(std::string(5000, 'k'));
  CHECK(huge.starts_with("hook:sha256:"));
  CHECK(huge.size() < 100);
}
