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

  std::optional<BadSignature> verify(const Delivery& d, Clock::time_point) const override {
    return verify_body_signature(d, kShopifySignature, secrets_);
  }

  Meaning read(const Delivery& d, const ReadOptions& options) const override {
    const auto topic = d.header("x-shopify-topic");
    if (!topic || topic->empty()) return Malformed{"X-Shopify-Topic is missing"};
    if (!topic->starts_with("orders/")) return Ignored{"event type"};
    const nlohmann::json order = parse_object(d.body);
    if (order.is_discarded()) return Malformed{"the body is not a JSON object"};
    const std::string id = text(order, {"id"});
    if (id.empty()) return Malformed{"the order has no id"};
    if (is_true(order, {"test"}) && !options.accept_test) return Ignored{"test"};

    std::vector<std::string> delivery;
    if (const auto webhook = d.header("x-shopify-webhook-id"); webhook && !webhook->empty()) {
      delivery.push_back("shopify:webhook:" + std::string(*webhook));
    }
    if (const auto event = d.header("x-shopify-event-id"); event && !event->empty()) {
      delivery.push_back("shopify:event:" + std::string(*event));
    }
    // Order ids are per shop: several shops may post to one proof.
    const std::string shop(d.header("x-shopify-shop-domain").value_or(""));
    const std::vector<std::string> order_keys{"shopify:order:" + shop + ":" + id};

    const std::string status = text(order, {"financial_status"});
    const nlohmann::json* cancelled = at(order, {"cancelled_at"});
    const bool is_cancelled = cancelled != nullptr && !cancelled->is_null();
    if (*topic == "orders/cancelled" || is_cancelled || status == "refunded" ||
        status == "voided") {
      return TakeBack{delivery, order_keys};
    }
    if (status == "partially_refunded") return Ignored{"partial refund"};
    if (status != "paid") return Ignored{"unpaid"};
    if (*topic != "orders/paid" && *topic != "orders/create" && *topic != "orders/updated" &&
        *topic != "orders/fulfilled") {
      return Ignored{"event type"};
    }
    Card card;
    card.delivery_keys = delivery;
    card.order_keys = order_keys;
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
