#include "sources/woocommerce.h"

#include <algorithm>

#include "sources/json_fields.h"
#include "sources/signing.h"

namespace proof::sources {

namespace {

constexpr BodySignature kWooCommerceSignature{
    .header = "x-wc-webhook-signature",
    .shown = "X-WC-Webhook-Signature",
    .base64 = true,
    .platform = "WooCommerce's",
    .mismatch =
        "--woocommerce-secret: give the Secret of this webhook (WooCommerce > "
        "Settings > Advanced > Webhooks), and make sure no proxy changes the body"};

bool is_ping_body(std::string_view body) {
  constexpr std::string_view kPrefix = "webhook_id=";
  if (!body.starts_with(kPrefix) || body.size() == kPrefix.size() || body.size() > 40) return false;
  return std::all_of(body.begin() + static_cast<std::ptrdiff_t>(kPrefix.size()), body.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

class WooCommerce final : public Receiver {
 public:
  explicit WooCommerce(std::vector<std::string> secrets) {
    for (auto& secret : secrets) {
      std::string decoded = wordpress_decoded(secret);
      if (decoded != secret) keys_.push_back(std::move(decoded));
      keys_.push_back(std::move(secret));
    }
  }

  std::string_view name() const override { return "woocommerce"; }

  bool is_ping(const Delivery& d) const override {
    return d.count(kWooCommerceSignature.header) == 0 && is_ping_body(d.body);
  }

  std::optional<BadSignature> verify(const Delivery& d, Clock::time_point) const override {
    return verify_body_signature(d, kWooCommerceSignature, keys_);
  }

  Meaning read(const Delivery& d, const ReadOptions& options) const override {
    const std::string topic(d.header("x-wc-webhook-topic").value_or(""));
    if (topic.empty()) return Malformed{"X-WC-Webhook-Topic is missing"};
    if (!topic.starts_with("order.")) return Ignored{"event type"};
    const nlohmann::json order = parse_object(d.body);
    if (order.is_discarded()) return Malformed{"the body is not a JSON object"};
    const std::string id = text(order, {"id"});
    if (id.empty()) return Malformed{"the order has no id"};
    // Order ids are per site: several shops may post to one proof.
    const std::string site(d.header("x-wc-webhook-source").value_or(""));
    const std::vector<std::string> order_keys{"woocommerce:order:" + site + ":" + id};

    const std::string status = text(order, {"status"});
    if (topic == "order.deleted" || status == "refunded" || status == "cancelled" ||
        status == "failed") {
      return TakeBack{{}, order_keys};
    }
    if (topic != "order.created" && topic != "order.updated") return Ignored{"event type"};
    if (status != "processing" && status != "completed") return Ignored{"unpaid"};
    Card card;
    card.order_keys = order_keys;
    card.fields["user_name"] =
        full_name(text(order, {"billing", "first_name"}), text(order, {"billing", "last_name"}));
    card.fields["city"] = card_text(text(order, {"billing", "city"}));
    std::string offer;
    if (const nlohmann::json* items = at(order, {"line_items"});
        items && items->is_array() && !items->empty()) {
      offer = card_text(text(items->front(), {"name"}));
    }
    card.fields["offer_name"] = offer.empty() ? options.offer : offer;
    return card;
  }

 private:
  std::vector<std::string> keys_;
};

}  // namespace

std::string wordpress_decoded(std::string_view secret) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},
      {"&quot;", '"'}, {"&#039;", '\''}, {"&#39;", '\''}};
  std::string out;
  out.reserve(secret.size());
  for (std::size_t i = 0; i < secret.size();) {
    bool replaced = false;
    if (secret[i] == '&') {
      for (const auto& [entity, ch] : kEntities) {
        if (secret.substr(i).starts_with(entity)) {
          out += ch;
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += secret[i++];
  }
  return out;
}

std::unique_ptr<Receiver> make_woocommerce(std::vector<std::string> secrets) {
  return std::make_unique<WooCommerce>(std::move(secrets));
}

}  // namespace proof::sources
