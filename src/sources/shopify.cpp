#include "sources/shopify.h"

#include "sources/json_fields.h"
#include "sources/signing.h"

namespace proof::sources {

namespace {

constexpr BodySignature kShopifySignature{
    .header = "x-shopify-hmac-sha256",
    .shown = "X-Shopify-Hmac-Sha256",
    .base64 = true,
    .platform = "Shopify's",
    .mismatch =
        "--shopify-secret: give the key shown under Settings > Notifications > "
        "Webhooks (\"Your webhooks will be signed with ...\"), or your app's client "
        "secret, and make sure no proxy changes the body"};

class Shopify final : public Receiver {
 public:
  explicit Shopify(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {}

  std::string_view name() const override { return "shopify"; }

  Verification verify(const Delivery& d, Clock::time_point) const override {
    return verify_body_signature(d, kShopifySignature, secrets_);
  }

  Meaning read(const Delivery& d, const ReadOptions& options) const override {
    // X-Shopify-Topic is not signed: it may narrow what a body means (a paid order under a
    // topic that is not an order's is ignored), never widen it.
    const auto topic = d.header("x-shopify-topic");
    if (!topic || topic->empty()) return Malformed{"X-Shopify-Topic is missing"};
    if (!topic->starts_with("orders/")) return Ignored{"event type"};
    const nlohmann::json order = parse_object(d.body);
    if (order.is_discarded()) return Malformed{"the body is not a JSON object"};
    const std::string id = text(order, {"id"});
    if (id.empty()) return Malformed{"the order has no id"};
    // orders/delete sends the id alone; Shopify deletes only orders already cancelled or
    // archived, whose cards went with the cancellation.
    if (order.size() == 1) return Ignored{"event type"};
    // Another resource's body (a refund, a checkout) under a forged orders/ topic.
    if (const std::string gid = text(order, {"admin_graphql_api_id"});
        !gid.empty() && !gid.starts_with("gid://shopify/Order/")) {
      return Ignored{"event type"};
    }
    if (is_true(order, {"test"}) && !options.accept_test) return Ignored{"test"};
    const auto changed = time_at(order, {"updated_at"});
    if (!changed) return Malformed{"the order has no updated_at (when it last changed)"};

    // Shopify's order ids are unique across shops, so the id alone is the order, whichever
    // shop the unsigned X-Shopify-Shop-Domain names; retries repeat it, so it is the
    // delivery's key too (X-Shopify-Webhook-Id is not signed).
    std::vector<std::string> order_keys{"shopify:order:" + id};
    std::vector<std::string> former;
    if (const auto shop = d.header("x-shopify-shop-domain")) {
      former.push_back("shopify:order:" + std::string(*shop) + ":" + id);
    }

    const std::string status = text(order, {"financial_status"});
    const nlohmann::json* cancelled = at(order, {"cancelled_at"});
    const bool is_cancelled = cancelled != nullptr && !cancelled->is_null();
    if (is_cancelled || status == "refunded" || status == "voided") {
      return TakeBack{.delivery_keys = {},
                      .order_keys = std::move(order_keys),
                      .former_keys = std::move(former),
                      .changed_at = changed};
    }
    if (status == "partially_refunded") return Ignored{"partial refund"};
    if (status != "paid") return Ignored{"unpaid"};
    if (*topic != "orders/paid" && *topic != "orders/create" && *topic != "orders/updated" &&
        *topic != "orders/fulfilled") {
      return Ignored{"event type"};
    }
    Card card;
    card.order_keys = std::move(order_keys);
    card.former_keys = std::move(former);
    card.changed_at = changed;
    const nlohmann::json* who = at(order, {"billing_address"});
    if (who == nullptr || text(*who, {"first_name"}).empty()) who = at(order, {"customer"});
    if (who != nullptr) {
      card.fields["user_name"] = full_name(text(*who, {"first_name"}), text(*who, {"last_name"}));
    }
    card.fields["city"] = card_text(text(order, {"billing_address", "city"}));
    std::string offer;
    if (const nlohmann::json* items = at(order, {"line_items"});
        items && items->is_array() && !items->empty()) {
      offer = card_text(text(items->front(), {"title"}));
    }
    card.fields["offer_name"] = offer.empty() ? options.offer : offer;
    return card;
  }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace

std::unique_ptr<Receiver> make_shopify(std::vector<std::string> secrets) {
  return std::make_unique<Shopify>(std::move(secrets));
}

}  // namespace proof::sources
