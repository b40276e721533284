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
#include "platform_times.h"
#include "sources/intake.h"
#include "sources/lemonsqueezy.h"
#include "sources/shopify.h"
#include "sources/stripe.h"
#include "sources/woocommerce.h"

using namespace proof::core;
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
  CHECK(refused.refusal->retry_after > 0);
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
  CHECK(busy.refusal->retry_after > 0);
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

// ---- Platforms that sign no timestamp: Shopify, WooCommerce, Lemon Squeezy ----
//
// What a captured delivery can be made to do when only its body is signed: re-sent with other
// headers, re-sent after proof's memory of it has lapsed, or re-sent under another topic.

namespace {

using proof::test::lemonsqueezy_time;
using proof::test::shopify_time;
using proof::test::woocommerce_time;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

/// The intake's clock in these tests: a Friday noon, UTC.
const Clock::time_point kShopNow =
    std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + hours(12);

constexpr const char* kShopifyKey = "shopify-intake-key";
constexpr const char* kSiteAKey = "site A's webhook secret";
constexpr const char* kSiteBKey = "site B's webhook secret";
constexpr const char* kLemonKey = "lemon-intake-key";

/// One delivery as a platform sends it (or as someone re-sends it): body and headers.
struct Hook {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  Delivery delivery() const {
    Delivery d;
    d.body = body;
    d.headers = headers;
    return d;
  }
  /// The same signed body with header `name` set to `value` (or dropped, for "").
  Hook with(const std::string& name, const std::string& value) const {
    Hook out{body, {}};
    for (const auto& header : headers) {
      if (header.first != name) out.headers.push_back(header);
    }
    if (!value.empty()) out.headers.emplace_back(name, value);
    return out;
  }
};

json shop_order(std::int64_t id, const std::string& status, Clock::time_point updated) {
  return {{"id", id},
          {"admin_graphql_api_id", "gid://shopify/Order/" + std::to_string(id)},
          {"name", "#1001"},
          {"test", false},
          {"financial_status", status},
          {"cancelled_at", nullptr},
          {"created_at", shopify_time(updated - minutes(2))},
          {"updated_at", shopify_time(updated)},
          {"billing_address", {{"first_name", "Jane"}, {"last_name", "Doe"}, {"city", "Leeds"}}},
          {"line_items", json::array({{{"title", "Blue mug"}, {"quantity", 1}}})}};
}

Hook shopify_hook(const json& order, const std::string& topic = "orders/paid",
                  const std::string& shop = "shop-a.myshopify.com") {
  Hook h;
  h.body = order.dump();
  // New for every delivery, repeated by its retries.
  const std::string id = to_hex(sha256(topic + h.body)).substr(0, 32);
  h.headers = {{"x-shopify-hmac-sha256", to_base64(hmac_sha256(kShopifyKey, h.body))},
               {"x-shopify-topic", topic},
               {"x-shopify-webhook-id", "wh-" + id},
               {"x-shopify-event-id", "ev-" + id},
               {"x-shopify-shop-domain", shop}};
  return h;
}

/// A WooCommerce order as its REST API (v3) renders it, `_links` included.
json site_order(int id, const std::string& status, Clock::time_point modified,
                const std::string& site = "https://shop-a.example") {
  return {
      {"id", id},
      {"status", status},
      {"date_created_gmt", woocommerce_time(modified - minutes(3))},
      {"date_modified_gmt", woocommerce_time(modified)},
      {"billing", {{"first_name", "Ana"}, {"last_name", "Lima"}, {"city", "Porto"}}},
      {"line_items", json::array({{{"name", "Candle"}, {"quantity", 1}}})},
      {"_links",
       {{"self", json::array({{{"href", site + "/wp-json/wc/v3/orders/" + std::to_string(id)}}})},
        {"collection", json::array({{{"href", site + "/wp-json/wc/v3/orders"}}})}}}};
}

Hook woo_hook(const json& body, const std::string& topic, const std::string& secret = kSiteAKey,
              const std::string& source = "https://shop-a.example/") {
  Hook h;
  h.body = body.dump();
  h.headers = {{"x-wc-webhook-signature", to_base64(hmac_sha256(secret, h.body))},
               {"x-wc-webhook-topic", topic},
               {"x-wc-webhook-resource", "order"},
               {"x-wc-webhook-source", source},
               {"x-wc-webhook-delivery-id", "8c1f2e6a5b9d4c3e"}};
  return h;
}

Hook lemon_hook(const std::string& event, const std::string& status, Clock::time_point updated,
                const std::string& header_event = "") {
  const json body{{"meta", {{"event_name", event}, {"test_mode", false}}},
                  {"data",
                   {{"type", "orders"},
                    {"id", "5501"},
                    {"attributes",
                     {{"status", status},
                      {"refunded", status == "refunded"},
                      {"user_name", "Kim Lee"},
                      {"first_order_item", {{"product_name", "Ebook"}}},
                      {"created_at", lemonsqueezy_time(updated - minutes(1))},
                      {"updated_at", lemonsqueezy_time(updated)}}}}}};
  Hook h;
  h.body = body.dump();
  h.headers = {{"x-signature", to_hex(hmac_sha256(kLemonKey, h.body))},
               {"x-event-name", header_event.empty() ? event : header_event}};
  return h;
}

/// A bench with the three receivers.
struct Shops : Bench {
  std::unique_ptr<Receiver> shopify = make_shopify({kShopifyKey});
  std::unique_ptr<Receiver> woo = make_woocommerce({kSiteAKey, kSiteBKey});
  std::unique_ptr<Receiver> lemon = make_lemonsqueezy({kLemonKey});

  Result deliver(const Receiver& receiver, const Hook& hook, Clock::time_point now) {
    return intake.receive(receiver, hook.delivery(), {}, now);
  }
  std::size_t cards() { return hub.resume(0).size(); }
};

json answer(const Result& r) {
  return json::parse(r.body);
}

}  // namespace

TEST_CASE("Intake: a Shopify delivery re-sent with other unsigned headers is one card",
          "[intake][replay]") {
  Shops b;
  const Hook paid = shopify_hook(shop_order(820982911946154508, "paid", kShopNow - minutes(1)));
  REQUIRE(b.deliver(*b.shopify, paid, kShopNow).outcome == DeliveryOutcome::kPublished);
  // Shopify signs the body only: the webhook id, the event id and the shop's domain are
  // whatever the sender writes. (Its order ids are unique across shops, so another domain
  // does not make another order.)
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"x-shopify-webhook-id", "another-webhook-id"},
           {"x-shopify-event-id", "another-event-id"},
           {"x-shopify-shop-domain", "shop-b.myshopify.com"},
           {"x-shopify-webhook-id", ""},
           {"x-shopify-shop-domain", ""}}) {
    INFO(name << ": " << value);
    const Result again = b.deliver(*b.shopify, paid.with(name, value), kShopNow + minutes(5));
    CHECK(again.outcome == DeliveryOutcome::kDuplicate);
    CHECK(answer(again) == json{{"ignored", "duplicate"}});
  }
  const Hook all_new = paid.with("x-shopify-webhook-id", "w2")
                           .with("x-shopify-event-id", "e2")
                           .with("x-shopify-shop-domain", "shop-c.myshopify.com");
  CHECK(b.deliver(*b.shopify, all_new, kShopNow + hours(1)).outcome == DeliveryOutcome::kDuplicate);
  CHECK(b.cards() == 1);
}

TEST_CASE("Intake: a WooCommerce delivery re-sent with another X-WC-Webhook-Source is one card",
          "[intake][replay]") {
  Shops b;
  const Hook paid = woo_hook(site_order(42, "processing", kShopNow - minutes(1)), "order.updated");
  REQUIRE(b.deliver(*b.woo, paid, kShopNow).outcome == DeliveryOutcome::kPublished);
  for (const char* source : {"https://shop-b.example/", "https://anything.example/", ""}) {
    INFO(source);
    const Result again =
        b.deliver(*b.woo, paid.with("x-wc-webhook-source", source), kShopNow + minutes(5));
    CHECK(again.outcome == DeliveryOutcome::kDuplicate);
  }
  // Its later order.updated (completed), as WooCommerce sends it, is the same purchase.
  const Hook completed =
      woo_hook(site_order(42, "completed", kShopNow + hours(20)), "order.updated");
  CHECK(b.deliver(*b.woo, completed, kShopNow + hours(20)).outcome == DeliveryOutcome::kDuplicate);
  CHECK(b.cards() == 1);
}

TEST_CASE(
    "Intake: two WooCommerce sites' orders with the same id are two cards, each taken back "
    "by its own site",
    "[intake][replay]") {
  Shops b;
  const Hook a = woo_hook(site_order(42, "processing", kShopNow), "order.created");
  const Hook site_b = woo_hook(site_order(42, "processing", kShopNow, "https://shop-b.example"),
                               "order.created", kSiteBKey, "https://shop-b.example/");
  const Result shown_a = b.deliver(*b.woo, a, kShopNow);
  const Result shown_b = b.deliver(*b.woo, site_b, kShopNow);
  REQUIRE(shown_a.outcome == DeliveryOutcome::kPublished);
  REQUIRE(shown_b.outcome == DeliveryOutcome::kPublished);
  // Site B's order 42 deleted: WooCommerce's payload is {"id": 42} and nothing else, so the
  // site is the one whose secret signed it.
  const Hook deleted = woo_hook(json{{"id", 42}}, "order.deleted", kSiteBKey,
                                "https://shop-a.example/");  // a header says nothing
  const Result erased = b.deliver(*b.woo, deleted, kShopNow + hours(2));
  CHECK(answer(erased) == json{{"erased", shown_b.id}});
  CHECK(b.hub.find(shown_a.id));
  // Site A's refund names its site in its own body.
  const Result refunded = b.deliver(*b.woo,
                                    woo_hook(site_order(42, "refunded", kShopNow + hours(3)),
                                             "order.updated", kSiteAKey, "https://shop-b.example/"),
                                    kShopNow + hours(3));
  CHECK(answer(refunded) == json{{"erased", shown_a.id}});
  CHECK(b.cards() == 0);
}

TEST_CASE("Intake: an order that last changed 7 days or more before now is a replay: stale",
          "[intake][replay]") {
  Shops b;
  const auto old = kShopNow - days(8);
  const std::vector<std::pair<const Receiver*, Hook>> stale{
      {b.shopify.get(), shopify_hook(shop_order(1, "paid", old))},
      {b.woo.get(), woo_hook(site_order(1, "processing", old), "order.updated")},
      {b.lemon.get(), lemon_hook("order_created", "paid", old)},
      {b.shopify.get(), shopify_hook(shop_order(2, "paid", kShopNow - days(7)))}};
  for (const auto& [receiver, hook] : stale) {
    INFO(receiver->name());
    const Result r = b.deliver(*receiver, hook, kShopNow);
    CHECK(r.outcome == DeliveryOutcome::kIgnored);
    CHECK(r.status == 200);
    CHECK(answer(r) == json{{"ignored", "stale"}});
    CHECK(r.reason == "stale");  // as the Sources panel and /hooks/recent show it
  }
  CHECK(b.cards() == 0);
  // Six days old is within the window.
  const auto recent = kShopNow - days(6);
  CHECK(b.deliver(*b.shopify, shopify_hook(shop_order(3, "paid", recent)), kShopNow).outcome ==
        DeliveryOutcome::kPublished);
  CHECK(b.deliver(*b.woo, woo_hook(site_order(3, "completed", recent), "order.updated"), kShopNow)
            .outcome == DeliveryOutcome::kPublished);
  CHECK(b.deliver(*b.lemon, lemon_hook("order_created", "paid", recent), kShopNow).outcome ==
        DeliveryOutcome::kPublished);
  // A take-back is held to the same window: a replayed cancellation changes nothing.
  json cancelled = shop_order(3, "voided", old);
  cancelled["cancelled_at"] = shopify_time(old);
  CHECK(answer(b.deliver(*b.shopify, shopify_hook(cancelled, "orders/cancelled"), kShopNow)) ==
        json{{"ignored", "stale"}});
  CHECK(b.cards() == 3);
}

TEST_CASE("Intake: a delivery replayed once its keys have lapsed shows nothing again",
          "[intake][replay]") {
  Shops b;
  const Hook paid = shopify_hook(shop_order(7, "paid", kShopNow - minutes(1)));
  REQUIRE(b.deliver(*b.shopify, paid, kShopNow).outcome == DeliveryOutcome::kPublished);
  // The store forgets the order 7 days after the card; the body says when it was made.
  const auto later = kShopNow + Intake::kKeep + hours(1);
  CHECK(answer(b.deliver(*b.shopify, paid, later)) == json{{"ignored", "stale"}});
  const Hook lemon = lemon_hook("order_created", "paid", kShopNow);
  REQUIRE(b.deliver(*b.lemon, lemon, kShopNow).outcome == DeliveryOutcome::kPublished);
  CHECK(answer(b.deliver(*b.lemon, lemon, later)) == json{{"ignored", "stale"}});
  // A body dated ahead of this server's clock (the platform's clock, or this one, is off) is
  // remembered for as long as it is not stale.
  const Hook ahead = woo_hook(site_order(8, "processing", kShopNow + hours(2)), "order.updated");
  REQUIRE(b.deliver(*b.woo, ahead, kShopNow).outcome == DeliveryOutcome::kPublished);
  CHECK(b.deliver(*b.woo, ahead, kShopNow + Intake::kKeep + hours(1)).outcome ==
        DeliveryOutcome::kDuplicate);
  CHECK(b.cards() == 3);
}

TEST_CASE("Intake: a topic header changed on a paid order's body takes no card back",
          "[intake][replay]") {
  Shops b;
  const Hook paid = shopify_hook(shop_order(11, "paid", kShopNow));
  const Result shown = b.deliver(*b.shopify, paid, kShopNow);
  REQUIRE(shown.outcome == DeliveryOutcome::kPublished);
  for (const char* topic : {"orders/cancelled", "orders/updated", "orders/delete"}) {
    INFO(topic);
    const Result r = b.deliver(*b.shopify, paid.with("x-shopify-topic", topic), kShopNow);
    CHECK(r.outcome != DeliveryOutcome::kErased);
  }
  CHECK(b.hub.find(shown.id));

  const Hook woo_paid = woo_hook(site_order(12, "completed", kShopNow), "order.updated");
  const Result woo_shown = b.deliver(*b.woo, woo_paid, kShopNow);
  REQUIRE(woo_shown.outcome == DeliveryOutcome::kPublished);
  for (const char* topic : {"order.deleted", "order.updated"}) {
    INFO(topic);
    const Result r = b.deliver(*b.woo, woo_paid.with("x-wc-webhook-topic", topic), kShopNow);
    CHECK(r.outcome != DeliveryOutcome::kErased);
  }
  CHECK(b.hub.find(woo_shown.id));

  const Hook lemon_paid = lemon_hook("order_created", "paid", kShopNow);
  const Result lemon_shown = b.deliver(*b.lemon, lemon_paid, kShopNow);
  REQUIRE(lemon_shown.outcome == DeliveryOutcome::kPublished);
  const Result r = b.deliver(*b.lemon, lemon_paid.with("x-event-name", "order_refunded"), kShopNow);
  CHECK(r.outcome != DeliveryOutcome::kErased);
  CHECK(b.hub.find(lemon_shown.id));
}

TEST_CASE("Intake: cancellations and refunds the body itself states still take cards back",
          "[intake][replay]") {
  Shops b;
  const Result cancelled_card =
      b.deliver(*b.shopify, shopify_hook(shop_order(21, "paid", kShopNow)), kShopNow);
  json cancelled = shop_order(21, "voided", kShopNow + hours(1));
  cancelled["cancelled_at"] = shopify_time(kShopNow + hours(1));
  CHECK(answer(b.deliver(*b.shopify, shopify_hook(cancelled, "orders/cancelled"),
                         kShopNow + hours(1))) == json{{"erased", cancelled_card.id}});
  const Result refunded_card =
      b.deliver(*b.shopify, shopify_hook(shop_order(22, "paid", kShopNow)), kShopNow);
  CHECK(answer(b.deliver(
            *b.shopify,
            shopify_hook(shop_order(22, "refunded", kShopNow + hours(1)), "orders/updated"),
            kShopNow + hours(1))) == json{{"erased", refunded_card.id}});

  for (const char* gone : {"refunded", "cancelled", "failed"}) {
    INFO(gone);
    const int id = gone[0] == 'r' ? 31 : gone[0] == 'c' ? 32 : 33;
    const Result shown = b.deliver(
        *b.woo, woo_hook(site_order(id, "processing", kShopNow), "order.created"), kShopNow);
    REQUIRE(shown.outcome == DeliveryOutcome::kPublished);
    CHECK(answer(b.deliver(*b.woo,
                           woo_hook(site_order(id, gone, kShopNow + hours(1)), "order.updated"),
                           kShopNow + hours(1))) == json{{"erased", shown.id}});
  }
  const Result deleted_card =
      b.deliver(*b.woo, woo_hook(site_order(34, "completed", kShopNow), "order.updated"), kShopNow);
  CHECK(answer(b.deliver(*b.woo, woo_hook(json{{"id", 34}}, "order.deleted"),
                         kShopNow + hours(1))) == json{{"erased", deleted_card.id}});

  const Result lemon_card =
      b.deliver(*b.lemon, lemon_hook("order_created", "paid", kShopNow), kShopNow);
  CHECK(answer(b.deliver(*b.lemon, lemon_hook("order_refunded", "refunded", kShopNow + hours(1)),
                         kShopNow + hours(1))) == json{{"erased", lemon_card.id}});
  CHECK(b.cards() == 0);
}

TEST_CASE(
    "Intake: a WooCommerce card found by its deletion and then by its refund is taken "
    "back once",
    "[intake][replay]") {
  Shops b;
  const Result shown = b.deliver(
      *b.woo, woo_hook(site_order(51, "processing", kShopNow), "order.created"), kShopNow);
  REQUIRE(shown.outcome == DeliveryOutcome::kPublished);
  REQUIRE(b.signups_today() == 1);
  // Found by the secret's key (the deletion names no site), then by the site's key.
  CHECK(answer(b.deliver(*b.woo, woo_hook(json{{"id", 51}}, "order.deleted"),
                         kShopNow + hours(1))) == json{{"erased", shown.id}});
  const Result again =
      b.deliver(*b.woo, woo_hook(site_order(51, "refunded", kShopNow + hours(2)), "order.updated"),
                kShopNow + hours(2));
  CHECK(again.outcome == DeliveryOutcome::kDuplicate);
  CHECK(b.signups_today() == 0);  // uncounted once, not twice
}

TEST_CASE("Intake: orders remembered by proof 0.1.0 under header-made keys are still found",
          "[intake][replay]") {
  Shops b;
  // What 0.1.0 left in the store: its keys held the shop's domain or the site's address.
  const EventPtr shopify_card = b.publisher.publish(Signup{.user_name = "Jane Doe"}, "test");
  const EventPtr woo_card = b.publisher.publish(Signup{.user_name = "Ana Lima"}, "test");
  const auto held = [&](const std::string& key, const EventPtr& e) {
    const std::vector<std::string> keys{store_key(key)};
    b.keys.put(keys, "card " + std::to_string(e->id) + " " + std::to_string(e->ts_ms),
               Intake::kKeep, kShopNow - days(1));
  };
  held("shopify:order:shop-a.myshopify.com:61", shopify_card);
  held("woocommerce:order:https://shop-a.example/:61", woo_card);

  // The platform's own later deliveries carry the same headers: duplicates, as before.
  CHECK(b.deliver(*b.shopify, shopify_hook(shop_order(61, "paid", kShopNow)), kShopNow).outcome ==
        DeliveryOutcome::kDuplicate);
  CHECK(
      b.deliver(*b.woo, woo_hook(site_order(61, "completed", kShopNow), "order.updated"), kShopNow)
          .outcome == DeliveryOutcome::kDuplicate);
  // A WooCommerce header naming another site than the body's is not looked up.
  const Hook elsewhere = woo_hook(site_order(61, "refunded", kShopNow), "order.updated", kSiteAKey,
                                  "https://shop-a.example/eu/");
  CHECK(answer(b.deliver(*b.woo, elsewhere, kShopNow)) == json{{"ignored", "no card"}});
  // Their refunds find the cards.
  CHECK(answer(b.deliver(
            *b.shopify,
            shopify_hook(shop_order(61, "refunded", kShopNow + hours(1)), "orders/updated"),
            kShopNow + hours(1))) == json{{"erased", shopify_card->id}});
  CHECK(answer(b.deliver(*b.woo,
                         woo_hook(site_order(61, "refunded", kShopNow + hours(1)), "order.updated"),
                         kShopNow + hours(1))) == json{{"erased", woo_card->id}});
  CHECK(b.cards() == 0);
}
