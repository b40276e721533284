// sources/: each platform's receiver without sockets: its signature header read, its
// signature checked (rotation, staleness, each failure named, which secret matched), and
// what a verified delivery means (a card, a take-back, or nothing and why), with keys and
// take-backs from the signed body only. Payloads are built here from the platforms'
// documented shapes, with times recent to the tests' clock.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "core/digest.h"
#include "core/encoding.h"
#include "platform_times.h"
#include "sources/json_fields.h"
#include "sources/lemonsqueezy.h"
#include "sources/receiver.h"
#include "sources/shopify.h"
#include "sources/standard_webhooks.h"
#include "sources/stripe.h"
#include "sources/woocommerce.h"

using namespace proof::sources;
using json = nlohmann::json;
using proof::test::lemonsqueezy_time;
using proof::test::shopify_time;
using proof::test::woocommerce_time;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const Clock::time_point kNow = Clock::time_point(seconds(1'800'000'000));

/// A delivery that owns its body.
struct Sent {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  Delivery delivery() const {
    Delivery d;
    d.body = body;
    d.headers = headers;
    return d;
  }
};

std::string hex_hmac(std::string_view key, std::string_view message) {
  return proof::core::to_hex(proof::core::hmac_sha256(key, message));
}
std::string b64_hmac(std::string_view key, std::string_view message) {
  return proof::core::to_base64(proof::core::hmac_sha256(key, message));
}

/// What `m` holds, as a T (a copy: `m` is usually a temporary).
template <class T>
T as(const Meaning& m) {
  REQUIRE(std::holds_alternative<T>(m));
  return std::get<T>(m);
}

std::string ignored_reason(const Meaning& m) {
  return as<Ignored>(m).reason;
}

/// verify()'s refusal, or nullopt when a secret matched.
std::optional<BadSignature> refused(const Receiver& r, const Delivery& d, Clock::time_point now) {
  const Verification v = r.verify(d, now);
  if (const auto* bad = std::get_if<BadSignature>(&v)) return *bad;
  return std::nullopt;
}

/// Which secret verified `d` (its position, as the receiver was given them).
std::size_t signer(const Receiver& r, const Delivery& d, Clock::time_point now) {
  const Verification v = r.verify(d, now);
  REQUIRE(std::holds_alternative<Verified>(v));
  return std::get<Verified>(v).secret;
}

// ---- Stripe ----

constexpr const char* kStripeSecret = "whsec_test_secret";

Sent stripe(const json& event, std::int64_t t = 1'800'000'000,
            const std::string& secret = kStripeSecret) {
  Sent s;
  s.body = event.dump();
  s.headers = {{"stripe-signature", "t=" + std::to_string(t) + ",v1=" +
                                        hex_hmac(secret, std::to_string(t) + "." + s.body)}};
  return s;
}

json checkout(const std::string& status, bool live = true) {
  return {{"id", "evt_1"},
          {"type", "checkout.session.completed"},
          {"livemode", live},
          {"data",
           {{"object",
             {{"id", "cs_1"},
              {"payment_status", status},
              {"payment_intent", "pi_1"},
              {"customer_details", {{"name", "Jane Doe"}, {"address", {{"city", "Leeds"}}}}},
              {"metadata", json::object()}}}}}};
}

}  // namespace

TEST_CASE("Stripe: the signature header is read as stripe-node reads it", "[sources][stripe]") {
  auto ok = parse_stripe_signature("t=123,v1=" + std::string(64, 'a') +
                                   ",v0=zz,v1=" + std::string(64, 'b'));
  REQUIRE(std::holds_alternative<StripeSignature>(ok));
  CHECK(std::get<StripeSignature>(ok).timestamp == 123);
  CHECK(std::get<StripeSignature>(ok).v1.size() == 2);
  CHECK(std::holds_alternative<std::string>(parse_stripe_signature("v1=aa")));
  CHECK(std::holds_alternative<std::string>(parse_stripe_signature("t=12")));
  CHECK(std::holds_alternative<std::string>(parse_stripe_signature("t=x1,v1=aa")));
  // Found by the fuzz target: a sign is not a digit.
  CHECK(std::holds_alternative<std::string>(parse_stripe_signature("t=-0,v1=aa")));
  CHECK(std::holds_alternative<std::string>(parse_stripe_signature("t=+5,v1=aa")));
  CHECK(std::holds_alternative<std::string>(parse_stripe_signature("")));
}

TEST_CASE("Stripe: a known signature verifies; a changed byte, secret or age does not",
          "[sources][stripe]") {
  const auto r = make_stripe({kStripeSecret});
  // Computed with Python's hmac module, independently of proof's code.
  Sent sent{R"({"id":"evt_1"})",
            {{"stripe-signature",
              "t=1700000000,v1=248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a"}}};
  const auto at = Clock::time_point(seconds(1'700'000'100));
  CHECK_FALSE(refused(*r, sent.delivery(), at).has_value());
  // 301 s later the same delivery is a replay.
  const auto stale = refused(*r, sent.delivery(), at + seconds(201));
  REQUIRE(stale.has_value());
  CHECK_THAT(stale->message, Catch::Contains("old"));
  Sent changed = sent;
  changed.body[2] = 'I';
  CHECK_THAT(refused(*r, changed.delivery(), at)->message, Catch::Contains("--stripe-secret"));
  CHECK(refused(*make_stripe({"whsec_other"}), sent.delivery(), at).has_value());
  Sent missing{sent.body, {}};
  CHECK_THAT(refused(*r, missing.delivery(), at)->message, Catch::Contains("missing"));
  Sent twice{sent.body, {sent.headers[0], sent.headers[0]}};
  CHECK_THAT(refused(*r, twice.delivery(), at)->message, Catch::Contains("more than once"));
}

TEST_CASE("Stripe: during a rotation either secret verifies", "[sources][stripe]") {
  const auto r = make_stripe({"whsec_old", "whsec_new"});
  CHECK_FALSE(refused(*r, stripe(checkout("paid"), 1'800'000'000, "whsec_old").delivery(), kNow));
  CHECK_FALSE(refused(*r, stripe(checkout("paid"), 1'800'000'000, "whsec_new").delivery(), kNow));
  CHECK(refused(*r, stripe(checkout("paid"), 1'800'000'000, "whsec_third").delivery(), kNow));
  CHECK(signer(*r, stripe(checkout("paid"), 1'800'000'000, "whsec_new").delivery(), kNow) == 1);
}

TEST_CASE("Stripe: a paid checkout is a card keyed by event, session and payment intent",
          "[sources][stripe]") {
  const auto r = make_stripe({kStripeSecret});
  const Card card = as<Card>(r->read(stripe(checkout("paid")).delivery(), {}));
  CHECK(card.fields.at("user_name") == "Jane Doe");
  CHECK(card.fields.at("city") == "Leeds");
  CHECK(card.fields.at("offer_name").empty());  // no product name: the default applies
  CHECK(card.delivery_keys == std::vector<std::string>{"stripe:event:evt_1"});
  CHECK(card.order_keys == std::vector<std::string>{"stripe:cs:cs_1", "stripe:pi:pi_1"});
  // metadata.offer_name wins over ?offer=, which wins over the default.
  json named = checkout("paid");
  named["data"]["object"]["metadata"]["offer_name"] = "Mug";
  CHECK(as<Card>(r->read(stripe(named).delivery(), {.offer = "Tea"})).fields.at("offer_name") ==
        "Mug");
  CHECK(as<Card>(r->read(stripe(checkout("paid")).delivery(), {.offer = "Tea"}))
            .fields.at("offer_name") == "Tea");
}

TEST_CASE("Stripe: unpaid, test-mode and other events show nothing", "[sources][stripe]") {
  const auto r = make_stripe({kStripeSecret});
  CHECK(ignored_reason(r->read(stripe(checkout("unpaid")).delivery(), {})) == "unpaid");
  CHECK(ignored_reason(r->read(stripe(checkout("no_payment_required")).delivery(), {})) ==
        "unpaid");
  CHECK(ignored_reason(r->read(stripe(checkout("paid", false)).delivery(), {})) == "test");
  as<Card>(r->read(stripe(checkout("paid", false)).delivery(), {.accept_test = true}));
  json other = checkout("paid");
  other["type"] = "customer.created";
  CHECK(ignored_reason(r->read(stripe(other).delivery(), {})) == "event type");
  json later = checkout("paid");
  later["type"] = "checkout.session.async_payment_succeeded";
  as<Card>(r->read(stripe(later).delivery(), {}));  // the delayed payment's card
}

TEST_CASE("Stripe: a full refund takes back through the payment intent; a partial one does not",
          "[sources][stripe]") {
  const auto r = make_stripe({kStripeSecret});
  json refund{
      {"id", "evt_2"},
      {"type", "charge.refunded"},
      {"livemode", true},
      {"data", {{"object", {{"id", "ch_1"}, {"payment_intent", "pi_1"}, {"refunded", true}}}}}};
  const TakeBack back = as<TakeBack>(r->read(stripe(refund).delivery(), {}));
  CHECK(back.order_keys == std::vector<std::string>{"stripe:pi:pi_1"});
  CHECK(back.delivery_keys == std::vector<std::string>{"stripe:event:evt_2"});
  refund["data"]["object"]["refunded"] = false;
  CHECK(ignored_reason(r->read(stripe(refund).delivery(), {})) == "partial refund");
}

TEST_CASE("Stripe: what is not a Stripe event is malformed", "[sources][stripe]") {
  const auto r = make_stripe({kStripeSecret});
  for (const char* body : {"[]", "not json", R"({"id":"evt","type":"x"})",
                           R"({"id":"evt","type":"x","data":{"object":{}}})"}) {
    INFO(body);
    Sent s{body, {}};
    as<Malformed>(r->read(s.delivery(), {}));
  }
}

// ---- Shopify ----

namespace {

constexpr const char* kShopifySecret = "shopify-signing-key";

Sent shopify(const json& order, const std::string& topic = "orders/paid") {
  Sent s;
  s.body = order.dump();
  s.headers = {{"x-shopify-hmac-sha256", b64_hmac(kShopifySecret, s.body)},
               {"x-shopify-topic", topic},
               {"x-shopify-webhook-id", "wh-1"},
               {"x-shopify-shop-domain", "shop.myshopify.com"}};
  return s;
}

json order(const std::string& status) {
  return {{"id", 820982911946154508},
          {"admin_graphql_api_id", "gid://shopify/Order/820982911946154508"},
          {"test", false},
          {"financial_status", status},
          {"cancelled_at", nullptr},
          {"created_at", shopify_time(kNow - minutes(3))},
          {"updated_at", shopify_time(kNow - minutes(1))},
          {"billing_address", {{"first_name", "Jane"}, {"last_name", "Doe"}, {"city", "Leeds"}}},
          {"line_items", json::array({{{"title", "Blue mug"}}, {{"title", "Tea"}}})}};
}

}  // namespace

TEST_CASE("Shopify: the base64 HMAC of the body verifies, nothing else", "[sources][shopify]") {
  const auto r = make_shopify({"old-key", kShopifySecret});
  const Sent sent = shopify(order("paid"));
  CHECK_FALSE(refused(*r, sent.delivery(), kNow).has_value());
  Sent bad = sent;
  bad.headers[0].second = "not base64!";
  CHECK_THAT(refused(*r, bad.delivery(), kNow)->message, Catch::Contains("base64"));
  bad.headers[0].second = b64_hmac("another", sent.body);
  CHECK_THAT(refused(*r, bad.delivery(), kNow)->message, Catch::Contains("--shopify-secret"));
  bad.headers.erase(bad.headers.begin());
  CHECK_THAT(refused(*r, bad.delivery(), kNow)->message, Catch::Contains("missing"));
}

TEST_CASE("Shopify: a paid order is a card from its billing name and first line item",
          "[sources][shopify]") {
  const auto r = make_shopify({kShopifySecret});
  const Card card = as<Card>(r->read(shopify(order("paid")).delivery(), {}));
  CHECK(card.fields.at("user_name") == "Jane Doe");
  CHECK(card.fields.at("city") == "Leeds");
  CHECK(card.fields.at("offer_name") == "Blue mug");
  // Shopify's order ids are unique across shops: the id alone, from the body, is the key.
  // Neither X-Shopify-Webhook-Id nor X-Shopify-Shop-Domain is signed.
  CHECK(card.order_keys == std::vector<std::string>{"shopify:order:820982911946154508"});
  CHECK(card.delivery_keys.empty());
  CHECK(card.former_keys ==
        std::vector<std::string>{"shopify:order:shop.myshopify.com:820982911946154508"});
  CHECK(card.changed_at == kNow - minutes(1));
}

TEST_CASE("Shopify: pending, test, cancelled and refunded orders", "[sources][shopify]") {
  const auto r = make_shopify({kShopifySecret});
  CHECK(ignored_reason(r->read(shopify(order("pending"), "orders/create").delivery(), {})) ==
        "unpaid");
  json test = order("paid");
  test["test"] = true;
  CHECK(ignored_reason(r->read(shopify(test).delivery(), {})) == "test");
  as<Card>(r->read(shopify(test).delivery(), {.accept_test = true}));
  as<TakeBack>(r->read(shopify(order("refunded"), "orders/updated").delivery(), {}));
  as<TakeBack>(r->read(shopify(order("voided"), "orders/updated").delivery(), {}));
  json cancelled = order("pending");
  cancelled["cancelled_at"] = shopify_time(kNow - minutes(1));
  const TakeBack back =
      as<TakeBack>(r->read(shopify(cancelled, "orders/cancelled").delivery(), {}));
  CHECK(back.order_keys == std::vector<std::string>{"shopify:order:820982911946154508"});
  CHECK(back.changed_at == kNow - minutes(1));
  // The topic is not signed: a paid order's body under orders/cancelled is no cancellation.
  CHECK(ignored_reason(r->read(shopify(order("paid"), "orders/cancelled").delivery(), {})) ==
        "event type");
  CHECK(ignored_reason(r->read(shopify(order("partially_refunded"), "orders/updated").delivery(),
                               {})) == "partial refund");
  CHECK(ignored_reason(r->read(shopify(order("paid"), "products/create").delivery(), {})) ==
        "event type");
}

TEST_CASE("Shopify: the body must be an order and say when it last changed", "[sources][shopify]") {
  const auto r = make_shopify({kShopifySecret});
  // A refund's body (another resource) under a forged orders/ topic.
  json refund = order("refunded");
  refund["admin_graphql_api_id"] = "gid://shopify/Refund/820982911946154508";
  CHECK(ignored_reason(r->read(shopify(refund, "orders/updated").delivery(), {})) == "event type");
  json undated = order("paid");
  undated.erase("updated_at");
  CHECK_THAT(as<Malformed>(r->read(shopify(undated).delivery(), {})).message,
             Catch::Contains("updated_at"));
  undated["updated_at"] = "yesterday";
  as<Malformed>(r->read(shopify(undated).delivery(), {}));
  // orders/delete: the id alone, nothing to show or take back (and no 400 for Shopify to
  // retry).
  CHECK(ignored_reason(
            r->read(shopify(json{{"id", 820982911946154508}}, "orders/delete").delivery(), {})) ==
        "event type");
}

// ---- WooCommerce ----

namespace {

Sent woo(const json& body, const std::string& topic, const std::string& secret = "woo secret",
         const std::string& source = "https://shop.example/") {
  Sent s;
  s.body = body.dump();
  s.headers = {{"x-wc-webhook-signature", b64_hmac(secret, s.body)},
               {"x-wc-webhook-topic", topic},
               {"x-wc-webhook-source", source}};
  return s;
}

/// An order as WooCommerce's REST API (v3) renders it for a webhook, _links included.
json woo_order(const std::string& status, const std::string& site = "https://shop.example") {
  return {{"id", 42},
          {"status", status},
          {"date_created_gmt", woocommerce_time(kNow - minutes(5))},
          {"date_modified_gmt", woocommerce_time(kNow - minutes(1))},
          {"billing", {{"first_name", "Ana"}, {"last_name", "Lima"}, {"city", "Porto"}}},
          {"line_items", json::array({{{"name", "Candle"}}})},
          {"_links",
           {{"self", json::array({{{"href", site + "/wp-json/wc/v3/orders/42"}}})},
            {"collection", json::array({{{"href", site + "/wp-json/wc/v3/orders"}}})}}}};
}

}  // namespace

TEST_CASE("WooCommerce: the creation ping is recognised only unsigned and well formed",
          "[sources][woocommerce]") {
  const auto r = make_woocommerce({"woo secret"});
  CHECK(r->is_ping(Sent{"webhook_id=17", {}}.delivery()));
  CHECK_FALSE(r->is_ping(Sent{"webhook_id=17&x=1", {}}.delivery()));
  CHECK_FALSE(r->is_ping(Sent{"webhook_id=", {}}.delivery()));
  CHECK_FALSE(r->is_ping(Sent{"webhook_id=17", {{"x-wc-webhook-signature", "x"}}}.delivery()));
  CHECK(refused(*r, Sent{"webhook_id=17", {}}.delivery(), kNow).has_value());  // never verified
}

TEST_CASE("WooCommerce: the secret works as typed and as WordPress decodes it",
          "[sources][woocommerce]") {
  CHECK(wordpress_decoded("a&amp;b&lt;&#039;&unknown;") == "a&b<'&unknown;");
  const auto r = make_woocommerce({"a&amp;b"});
  CHECK_FALSE(refused(*r, woo(woo_order("processing"), "order.created", "a&b").delivery(), kNow));
  CHECK_FALSE(
      refused(*r, woo(woo_order("processing"), "order.created", "a&amp;b").delivery(), kNow));
  CHECK(refused(*r, woo(woo_order("processing"), "order.created", "ab").delivery(), kNow));
}

TEST_CASE("WooCommerce: processing and completed orders are cards, one per order",
          "[sources][woocommerce]") {
  const auto r = make_woocommerce({"woo secret"});
  const Card card = as<Card>(r->read(woo(woo_order("processing"), "order.updated").delivery(), {}));
  CHECK(card.fields.at("user_name") == "Ana Lima");
  CHECK(card.fields.at("offer_name") == "Candle");
  // The site from the order's own links, not from X-WC-Webhook-Source (unsigned).
  CHECK(card.order_keys == std::vector<std::string>{"woocommerce:order:shop.example/wp-json:42"});
  CHECK(card.delivery_keys.empty());  // its delivery id is new at every send: no use
  CHECK(card.changed_at == kNow - minutes(1));
  as<Card>(r->read(woo(woo_order("completed"), "order.updated").delivery(), {}));
  for (const char* unpaid : {"pending", "on-hold", "checkout-draft"}) {
    CHECK(ignored_reason(r->read(woo(woo_order(unpaid), "order.created").delivery(), {})) ==
          "unpaid");
  }
  for (const char* gone : {"refunded", "cancelled", "failed", "trash"}) {
    as<TakeBack>(r->read(woo(woo_order(gone), "order.updated").delivery(), {}));
  }
  // The topic is not signed: a paid order's body under order.deleted deletes nothing.
  CHECK(ignored_reason(r->read(woo(woo_order("completed"), "order.deleted").delivery(), {})) ==
        "event type");
  CHECK(ignored_reason(r->read(woo(woo_order("processing"), "product.created").delivery(), {})) ==
        "event type");
}

TEST_CASE("WooCommerce: the site comes from the signed body, else from the secret that signed it",
          "[sources][woocommerce]") {
  const auto r = make_woocommerce({"site one", "a&amp;b", "site three"});
  // verify() says which of the secrets matched, as given (WordPress's decoded form counts as
  // the secret it comes from).
  CHECK(signer(*r, woo(woo_order("processing"), "order.created", "site one").delivery(), kNow) ==
        0);
  CHECK(signer(*r, woo(woo_order("processing"), "order.created", "a&b").delivery(), kNow) == 1);
  CHECK(signer(*r, woo(woo_order("processing"), "order.created", "site three").delivery(), kNow) ==
        2);

  // From the body: the scheme and the API version do not make another site; X-WC-Webhook-Source
  // makes none at all.
  const auto keys = [&](const json& body, std::size_t secret, const std::string& source) {
    return as<Card>(r->read(woo(body, "order.updated", "x", source).delivery(), {.secret = secret}))
        .order_keys;
  };
  json http_v2 = woo_order("processing", "http://Shop.Example");
  http_v2["_links"]["self"][0]["href"] = "http://Shop.Example/wp-json/wc/v2/orders/42";
  CHECK(keys(woo_order("processing"), 0, "https://shop.example/") ==
        keys(http_v2, 2, "https://elsewhere.example/"));
  CHECK(keys(woo_order("processing"), 0, "") !=
        keys(woo_order("processing", "https://b.example"), 0, ""));
  json plain = woo_order("processing");
  plain["_links"]["self"][0]["href"] = "https://plain.example/?rest_route=/wc/v3/orders/42";
  CHECK(keys(plain, 0, "") ==
        std::vector<std::string>{"woocommerce:order:plain.example/?rest_route=:42"});

  // A body without links (a plugin may filter them out): the secret names the site, the
  // same one whichever other secrets are given.
  json bare = woo_order("processing");
  bare.erase("_links");
  const auto one = keys(bare, 0, "https://shop.example/");
  CHECK(one != keys(bare, 2, "https://shop.example/"));
  CHECK_THAT(one.front(), !Catch::Contains("site one"));  // says nothing about the secret
  const auto alone = make_woocommerce({"site one"});
  CHECK(as<Card>(alone->read(woo(bare, "order.updated", "site one").delivery(), {})).order_keys ==
        one);

  // A deletion is the id alone: the secret names the site, and a card from the body names
  // the same key among its lookup keys, so that the deletion finds it.
  const TakeBack deleted =
      as<TakeBack>(r->read(woo(json{{"id", 42}}, "order.deleted").delivery(), {.secret = 0}));
  CHECK(deleted.order_keys == one);
  CHECK_FALSE(deleted.changed_at.has_value());  // WooCommerce sends no time with it
  const Card card = as<Card>(r->read(woo(woo_order("completed"), "order.updated").delivery(), {}));
  CHECK(card.lookup_keys == one);
  CHECK(ignored_reason(r->read(woo(json{{"id", 42}}, "order.updated").delivery(), {})) ==
        "event type");

  // proof 0.1.0 keyed orders by X-WC-Webhook-Source: looked up only when the header names
  // the body's own site.
  CHECK(card.former_keys == std::vector<std::string>{"woocommerce:order:https://shop.example/:42"});
  CHECK(as<Card>(
            r->read(
                woo(woo_order("completed"), "order.updated", "x", "https://b.example/").delivery(),
                {}))
            .former_keys.empty());
}

TEST_CASE("WooCommerce: an order must say when it last changed", "[sources][woocommerce]") {
  const auto r = make_woocommerce({"woo secret"});
  json created_only = woo_order("processing");
  created_only["date_modified_gmt"] = nullptr;
  CHECK(as<Card>(r->read(woo(created_only, "order.created").delivery(), {})).changed_at ==
        kNow - minutes(5));
  created_only.erase("date_created_gmt");
  CHECK_THAT(as<Malformed>(r->read(woo(created_only, "order.created").delivery(), {})).message,
             Catch::Contains("date_modified_gmt"));
}

// ---- Lemon Squeezy ----

namespace {

json lemon_body(const std::string& event, const std::string& status, bool test = false) {
  return {{"meta", {{"event_name", event}, {"test_mode", test}}},
          {"data",
           {{"type", "orders"},
            {"id", "1"},
            {"attributes",
             {{"status", status},
              {"user_name", "Kim Lee"},
              {"refunded", status == "refunded"},
              {"first_order_item", {{"product_name", "Ebook"}}},
              {"created_at", lemonsqueezy_time(kNow - minutes(2))},
              {"updated_at", lemonsqueezy_time(kNow - minutes(1))}}}}}};
}

Sent lemon_with_header(const json& body, const std::string& header_event) {
  Sent s;
  s.body = body.dump();
  s.headers = {{"x-signature", hex_hmac("lemon-secret", s.body)}, {"x-event-name", header_event}};
  return s;
}

Sent lemon(const std::string& event, const std::string& status, bool test = false) {
  return lemon_with_header(lemon_body(event, status, test), event);
}

}  // namespace

TEST_CASE("Lemon Squeezy: hex HMAC, paid orders, full refunds, test mode",
          "[sources][lemonsqueezy]") {
  const auto r = make_lemonsqueezy({"lemon-secret"});
  CHECK_FALSE(refused(*r, lemon("order_created", "paid").delivery(), kNow));
  CHECK(refused(*make_lemonsqueezy({"other-secret"}), lemon("order_created", "paid").delivery(),
                kNow));
  const Card card = as<Card>(r->read(lemon("order_created", "paid").delivery(), {}));
  CHECK(card.fields.at("user_name") == "Kim Lee");
  CHECK(card.fields.at("offer_name") == "Ebook");
  CHECK(card.order_keys == std::vector<std::string>{"lemonsqueezy:order:1"});
  CHECK(card.changed_at == kNow - minutes(1));
  CHECK(ignored_reason(r->read(lemon("order_created", "pending").delivery(), {})) == "unpaid");
  CHECK(ignored_reason(r->read(lemon("order_created", "paid", true).delivery(), {})) == "test");
  as<TakeBack>(r->read(lemon("order_refunded", "refunded").delivery(), {}));
  CHECK(ignored_reason(r->read(lemon("order_refunded", "partial_refund").delivery(), {})) ==
        "partial refund");
  CHECK(ignored_reason(r->read(lemon("subscription_created", "active").delivery(), {})) ==
        "event type");
}

TEST_CASE("Lemon Squeezy: the event is the body's, never X-Event-Name's",
          "[sources][lemonsqueezy]") {
  const auto r = make_lemonsqueezy({"lemon-secret"});
  // A paid order's body with the header saying order_refunded is still the paid order.
  as<Card>(r->read(
      lemon_with_header(lemon_body("order_created", "paid"), "order_refunded").delivery(), {}));
  // Without meta.event_name the header is not taken instead.
  json nameless = lemon_body("order_created", "refunded");
  nameless["meta"].erase("event_name");
  as<Malformed>(r->read(lemon_with_header(nameless, "order_refunded").delivery(), {}));
  json undated = lemon_body("order_created", "paid");
  undated["data"]["attributes"].erase("updated_at");
  CHECK_THAT(
      as<Malformed>(r->read(lemon_with_header(undated, "order_created").delivery(), {})).message,
      Catch::Contains("updated_at"));
}

// ---- Standard Webhooks ----

TEST_CASE("Standard Webhooks: the spec's own example verifies", "[sources][standard]") {
  // The example in the Standard Webhooks specification.
  const auto r = make_standard_webhooks({"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
  Sent sent{R"({"test": 2432232314})",
            {{"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
             {"webhook-timestamp", "1614265330"},
             {"webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}}};
  const auto at = Clock::time_point(seconds(1614265330));
  CHECK_FALSE(refused(*r, sent.delivery(), at).has_value());
  // The same with Svix's header names, and among other entries.
  Sent svix{
      sent.body,
      {{"svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
       {"svix-timestamp", "1614265330"},
       {"svix-signature", "v2,zzz v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}}};
  CHECK_FALSE(refused(*r, svix.delivery(), at).has_value());
  // Too old, too new.
  CHECK_THAT(refused(*r, sent.delivery(), at + seconds(301))->message, Catch::Contains("old"));
  CHECK_THAT(refused(*r, sent.delivery(), at - seconds(301))->message, Catch::Contains("future"));
  CHECK_FALSE(refused(*r, sent.delivery(), at + seconds(299)).has_value());
  Sent wrong = sent;
  wrong.headers[2].second = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=";
  CHECK(refused(*r, wrong.delivery(), at).has_value());
}

TEST_CASE("Standard Webhooks: secrets and headers that cannot be used", "[sources][standard]") {
  CHECK(standard_secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());
  CHECK(standard_secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());
  CHECK_FALSE(standard_secret_key("whsec_").has_value());
  CHECK_FALSE(standard_secret_key("whsec_not*base64").has_value());
  CHECK(std::holds_alternative<std::string>(parse_standard_signature("m", "12a", "v1,AA==")));
  CHECK(std::holds_alternative<std::string>(parse_standard_signature("m", "-0", "v1,AA==")));
  CHECK(std::holds_alternative<std::string>(parse_standard_signature("", "1", "v1,AA==")));
  CHECK(std::holds_alternative<std::string>(parse_standard_signature("m", "1", "v2,AA==")));
}

TEST_CASE("Standard Webhooks: data carries the signup's fields; an order can be taken back",
          "[sources][standard]") {
  const auto r = make_standard_webhooks({"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
  Sent sent{json{{"type", "signup.created"},
                 {"timestamp", "2026-12-03T10:00:00Z"},
                 {"data", {{"user_name", "Jo"}, {"offer_name", "Newsletter"}, {"order_id", "o-9"}}}}
                .dump(),
            {{"webhook-id", "msg_1"}}};
  const Card card = as<Card>(r->read(sent.delivery(), {}));
  CHECK(card.fields.at("user_name") == "Jo");
  CHECK_FALSE(card.fields.contains("order_id"));
  CHECK(card.delivery_keys == std::vector<std::string>{"standard:message:msg_1"});
  CHECK(card.order_keys == std::vector<std::string>{"standard:order:o-9"});
  Sent refund{
      json{{"type", "order.refunded"}, {"timestamp", "x"}, {"data", {{"order_id", "o-9"}}}}.dump(),
      {{"webhook-id", "msg_2"}}};
  CHECK(as<TakeBack>(r->read(refund.delivery(), {})).order_keys ==
        std::vector<std::string>{"standard:order:o-9"});
  Sent bad{json{{"type", "x"}, {"data", {{"user_name", 5}}}}.dump(), {{"webhook-id", "m"}}};
  as<Malformed>(r->read(bad.delivery(), {}));
  Sent envelope{R"({"data":{}})", {{"webhook-id", "m"}}};
  as<Malformed>(r->read(envelope.delivery(), {}));
}

// ---- Shared ----

TEST_CASE("Sources: times are read as the platforms write them", "[sources]") {
  const auto noon =
      Clock::time_point(std::chrono::sys_days{std::chrono::year{2026} / 12 / 4}) + hours(12);
  CHECK(parse_time("2026-12-04T07:00:00-05:00") == noon);  // Shopify
  CHECK(parse_time("2026-12-04T17:30:00+05:30") == noon);
  CHECK(parse_time("2026-12-04T12:00:00") == noon);          // WooCommerce's _gmt
  CHECK(parse_time("2026-12-04T12:00:00.000000Z") == noon);  // Lemon Squeezy
  CHECK(parse_time("2026-12-04T12:00:00.999Z") == noon);     // fractions dropped
  CHECK(parse_time("2024-02-29T00:00:00Z").has_value());     // a leap day
  for (const char* bad :
       {"", "2026-12-04", "2026-12-04T12:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-12-04T24:00:00Z", "2026-12-04T12:00:00X", "2026-12-04T12:00:00+5:00",
        "2026-12-04T12:00:00.Z", "+026-12-04T12:00:00", "2026-12-04T12:00:00-05:00 ", "yesterday",
        // Years the clock cannot count in nanoseconds (found by fuzzing).
        "1013-12-04T12:00:00Z", "9999-12-31T23:59:59Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
}

TEST_CASE("Sources: platform text is made fit for a card, never refused", "[sources]") {
  CHECK(card_text("  Jane\n\tDoe \x7f ") == "Jane Doe");
  CHECK(card_text("a\xC2\x85"
                  "b") == "a b");  // U+0085, a C1 control
  const std::string long_title(300, 'x');
  const std::string cut = card_text(long_title);
  CHECK(cut.size() == 119 + 3);  // 119 x and the ellipsis (3 bytes): 120 characters
  CHECK(cut.ends_with("\u2026"));
  CHECK(card_text(std::string(120, 'y')) == std::string(120, 'y'));
  CHECK(card_text("\xC3\x28") == "");  // invalid UTF-8
  CHECK(full_name("", "Doe") == "Doe");
  CHECK(full_name("Jane", "") == "Jane");
}

TEST_CASE("Sources: secrets that cannot be right are refused, naming why", "[sources]") {
  CHECK(secret_problem("stripe", "whsec_abc") == std::nullopt);
  CHECK_THAT(*secret_problem("stripe", "sk_live_123"), Catch::Contains("API key"));
  CHECK_THAT(*secret_problem("stripe", "abc"), Catch::Contains("whsec_"));
  CHECK_THAT(*secret_problem("lemonsqueezy", "abc"), Catch::Contains("6 to 40"));
  CHECK_THAT(*secret_problem("standard", "whsec_!!"), Catch::Contains("base64"));
  CHECK_THAT(*secret_problem("shopify", "key\n"), Catch::Contains("control character"));
  CHECK_THAT(*secret_problem("shopify", " key"), Catch::Contains("space"));
  CHECK(secret_problem("woocommerce", "typed with spaces") == std::nullopt);
  CHECK(secret_problem("woocommerce", "") == std::string("is empty"));
  // Never quotes the secret itself.
  CHECK_THAT(*secret_problem("stripe", "sk_live_secretvalue"), !Catch::Contains("secretvalue"));
}
