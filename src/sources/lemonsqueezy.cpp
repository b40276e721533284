#include "sources/lemonsqueezy.h"

#include "sources/json_fields.h"
#include "sources/signing.h"

namespace proof::sources {

namespace {

constexpr BodySignature kLemonSqueezySignature{
    .header = "x-signature",
    .shown = "X-Signature",
    .base64 = false,
    .platform = "Lemon Squeezy's",
    .mismatch =
        "--lemonsqueezy-secret: give the signing secret typed for this webhook "
        "(Settings > Webhooks), and make sure no proxy changes the body"};

class LemonSqueezy final : public Receiver {
 public:
  explicit LemonSqueezy(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {}

  std::string_view name() const override { return "lemonsqueezy"; }

  Verification verify(const Delivery& d, Clock::time_point) const override {
    return verify_body_signature(d, kLemonSqueezySignature, secrets_);
  }

  Meaning read(const Delivery& d, const ReadOptions& options) const override {
    const nlohmann::json body = parse_object(d.body);
    if (body.is_discarded()) return Malformed{"the body is not a JSON object"};
    // The body's own event name, which is signed; X-Event-Name, which is not, is never read.
    const std::string event = text(body, {"meta", "event_name"});
    const nlohmann::json* attributes = at(body, {"data", "attributes"});
    if (event.empty() || attributes == nullptr || !attributes->is_object()) {
      return Malformed{"the body is not a Lemon Squeezy event (meta.event_name, data.attributes)"};
    }
    if (event != "order_created" && event != "order_refunded") return Ignored{"event type"};
    const std::string id = text(body, {"data", "id"});
    if (id.empty()) return Malformed{"the order has no id"};
    const bool test = is_true(body, {"meta", "test_mode"}) || is_true(*attributes, {"test_mode"});
    if (test && !options.accept_test) return Ignored{"test"};
    const auto changed = time_at(*attributes, {"updated_at"});
    if (!changed) return Malformed{"the order has no updated_at (when it last changed)"};
    // Order ids are Lemon Squeezy's own, unique across stores.
    std::vector<std::string> order_keys{"lemonsqueezy:order:" + id};
    const std::string status = text(*attributes, {"status"});

    if (event == "order_refunded") {
      if (status == "refunded" || is_true(*attributes, {"refunded"})) {
        return TakeBack{.delivery_keys = {},
                        .order_keys = std::move(order_keys),
                        .former_keys = {},
                        .changed_at = changed};
      }
      return Ignored{"partial refund"};
    }
    if (status != "paid") return Ignored{"unpaid"};
    Card card;
    card.order_keys = std::move(order_keys);
    card.changed_at = changed;
    card.fields["user_name"] = card_text(text(*attributes, {"user_name"}));
    std::string offer = card_text(text(*attributes, {"first_order_item", "product_name"}));
    card.fields["offer_name"] = offer.empty() ? options.offer : offer;
    return card;
  }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace

std::unique_ptr<Receiver> make_lemonsqueezy(std::vector<std::string> secrets) {
  return std::make_unique<LemonSqueezy>(std::move(secrets));
}

}  // namespace proof::sources
