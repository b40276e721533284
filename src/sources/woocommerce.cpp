#include "sources/woocommerce.h"

#include <algorithm>

#include "core/digest.h"
#include "core/encoding.h"
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

/// The site an order belongs to, from its own REST links in the signed body
/// ("https://shop.example/wp-json/wc/v3/orders/42" gives "shop.example/wp-json"), or "" when
/// the body has none. Written without its scheme and version, which may vary between one
/// site's deliveries (the request that built the payload came over http or https; the
/// webhooks may use different API versions).
std::string site_of(const nlohmann::json& order) {
  const nlohmann::json* self = at(order, {"_links", "self"});
  if (self == nullptr || !self->is_array() || self->empty()) return {};
  std::string_view href;
  if (const nlohmann::json* value = at(self->front(), {"href"}); value && value->is_string()) {
    href = value->get_ref<const std::string&>();
  }
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (href.starts_with(scheme)) href.remove_prefix(scheme.size());
  }
  const std::size_t api = href.find("/wc/");
  if (api == std::string_view::npos || api == 0) return {};
  std::string site(href.substr(0, api));
  // A host is case-insensitive; the path is left as it is.
  for (char& c : site) {
    if (c == '/' || c == '?') break;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return site;
}

/// Whether X-WC-Webhook-Source (home_url('/'), unsigned) names the site the signed body
/// does, the REST prefix aside ("https://shop.example/" for "shop.example/wp-json"): only
/// then may proof 0.1.0's key, made with that header, be looked up.
bool source_matches(std::string_view source, std::string_view site) {
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (source.starts_with(scheme)) source.remove_prefix(scheme.size());
  }
  if (source.size() < 2 || !source.ends_with('/') || site.size() <= source.size()) return false;
  const auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (lower(source[i]) != lower(site[i])) return false;
  }
  // Not a site further down the same host ("shop.example/" for "shop.example/eu/wp-json").
  return site.substr(source.size()).find('/') == std::string_view::npos;
}

/// A deletion: WooCommerce sends the deleted resource's id and nothing else.
bool is_id_only(const nlohmann::json& body) {
  return body.size() == 1 && body.contains("id");
}

bool is_ping_body(std::string_view body) {
  constexpr std::string_view kPrefix = "webhook_id=";
  if (!body.starts_with(kPrefix) || body.size() == kPrefix.size() || body.size() > 40) return false;
  return std::all_of(body.begin() + static_cast<std::ptrdiff_t>(kPrefix.size()), body.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

class WooCommerce final : public Receiver {
 public:
  explicit WooCommerce(std::vector<std::string> secrets) {
    for (std::size_t i = 0; i < secrets.size(); ++i) {
      // A name for the site the secret belongs to that says nothing about the secret and
      // stays the same when other secrets are added or removed.
      sites_.push_back(
          "key-" +
          core::to_hex(core::hmac_sha256(secrets[i], "proof: woocommerce site")).substr(0, 16));
      std::string decoded = wordpress_decoded(secrets[i]);
      if (decoded != secrets[i]) {
        keys_.push_back(std::move(decoded));
        owner_.push_back(i);
      }
      keys_.push_back(std::move(secrets[i]));
      owner_.push_back(i);
    }
  }

  std::string_view name() const override { return "woocommerce"; }

  bool is_ping(const Delivery& d) const override {
    return d.count(kWooCommerceSignature.header) == 0 && is_ping_body(d.body);
  }

  Verification verify(const Delivery& d, Clock::time_point) const override {
    auto verified = verify_body_signature(d, kWooCommerceSignature, keys_);
    if (auto* by = std::get_if<Verified>(&verified)) by->secret = owner_.at(by->secret);
    return verified;
  }

  Meaning read(const Delivery& d, const ReadOptions& options) const override {
    // X-WC-Webhook-Topic and X-WC-Webhook-Source are not signed: the topic may narrow what a
    // body means, never widen it, and the site comes from the body or the secret.
    const std::string topic(d.header("x-wc-webhook-topic").value_or(""));
    if (topic.empty()) return Malformed{"X-WC-Webhook-Topic is missing"};
    if (!topic.starts_with("order.")) return Ignored{"event type"};
    const nlohmann::json order = parse_object(d.body);
    if (order.is_discarded()) return Malformed{"the body is not a JSON object"};
    const std::string id = text(order, {"id"});
    if (id.empty()) return Malformed{"the order has no id"};
    // Order ids are per site: several shops may post to one proof.
    const std::string by_secret =
        "woocommerce:order:" + (options.secret < sites_.size() ? sites_[options.secret] : "") +
        ":" + id;
    if (is_id_only(order)) {
      // WooCommerce's deletion payload: the id is all there is, so the secret names the site.
      if (topic != "order.deleted") return Ignored{"event type"};
      return TakeBack{.delivery_keys = {}, .order_keys = {by_secret}};
    }
    const auto changed = [&] {
      auto modified = time_at(order, {"date_modified_gmt"});
      return modified ? modified : time_at(order, {"date_created_gmt"});
    }();
    if (!changed) return Malformed{"the order has no date_modified_gmt (when it last changed)"};
    const std::string site = site_of(order);
    std::vector<std::string> order_keys{site.empty() ? by_secret
                                                     : "woocommerce:order:" + site + ":" + id};
    std::vector<std::string> lookup;
    if (!site.empty()) lookup.push_back(by_secret);  // for a deletion, which names no site
    std::vector<std::string> former;
    if (const auto source = d.header("x-wc-webhook-source");
        source && source_matches(*source, site)) {
      former.push_back("woocommerce:order:" + std::string(*source) + ":" + id);
    }

    const std::string status = text(order, {"status"});
    if (status == "refunded" || status == "cancelled" || status == "failed" || status == "trash") {
      return TakeBack{.delivery_keys = {},
                      .order_keys = std::move(order_keys),
                      .former_keys = std::move(former),
                      .changed_at = changed};
    }
    if (topic != "order.created" && topic != "order.updated") return Ignored{"event type"};
    if (status != "processing" && status != "completed") return Ignored{"unpaid"};
    Card card;
    card.order_keys = std::move(order_keys);
    card.lookup_keys = std::move(lookup);
    card.former_keys = std::move(former);
    card.changed_at = changed;
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
  std::vector<std::string> keys_;   ///< each secret, and as WordPress decodes it if different
  std::vector<std::size_t> owner_;  ///< for each of keys_, the secret it comes from
  std::vector<std::string> sites_;  ///< for each secret, the name of its site in keys
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
