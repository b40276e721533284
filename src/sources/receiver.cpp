#include "sources/receiver.h"

#include "sources/lemonsqueezy.h"
#include "sources/shopify.h"
#include "sources/standard_webhooks.h"
#include "sources/stripe.h"
#include "sources/woocommerce.h"

namespace proof::sources {

std::optional<std::string_view> Delivery::header(std::string_view name) const {
  std::optional<std::string_view> found;
  for (const auto& [key, value] : headers) {
    if (key != name) continue;
    if (found) return std::nullopt;
    found = value;
  }
  return found;
}

std::size_t Delivery::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& header : headers) n += header.first == name ? 1 : 0;
  return n;
}

std::optional<std::string> secret_problem(std::string_view source, std::string_view secret) {
  if (secret.empty()) return "is empty";
  // Spaces inside may be meant (a merchant types the WooCommerce or Lemon Squeezy one);
  // at either end, or a line break anywhere, they come from copying.
  if (secret.front() == ' ' || secret.back() == ' ') {
    return "starts or ends with a space (copied with one?)";
  }
  for (const char c : secret) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return "holds a control character (copied with a line break?)";
    }
  }
  if (source == "stripe") {
    // The API keys are the usual mistake: they are secrets too, and look alike.
    for (const char* prefix : {"sk_", "rk_", "pk_"}) {
      if (secret.starts_with(prefix)) {
        return std::string("is a Stripe API key (") + prefix +
               "...), not a webhook signing secret: give the endpoint's whsec_... secret";
      }
    }
    if (!secret.starts_with("whsec_")) {
      return "is not a Stripe webhook signing secret (whsec_..., under Developers > Webhooks)";
    }
  }
  if (source == "lemonsqueezy" && (secret.size() < 6 || secret.size() > 40)) {
    return "is not 6 to 40 characters, as Lemon Squeezy's signing secrets are";
  }
  if (source == "standard" && !standard_secret_key(secret)) {
    return "is not whsec_ followed by base64 (or base64 alone) of at least one byte";
  }
  return std::nullopt;
}

std::vector<std::unique_ptr<Receiver>> make_receivers(const Secrets& s) {
  std::vector<std::unique_ptr<Receiver>> out;
  if (!s.stripe.empty()) out.push_back(make_stripe(s.stripe));
  if (!s.shopify.empty()) out.push_back(make_shopify(s.shopify));
  if (!s.woocommerce.empty()) out.push_back(make_woocommerce(s.woocommerce));
  if (!s.lemonsqueezy.empty()) out.push_back(make_lemonsqueezy(s.lemonsqueezy));
  if (!s.standard.empty()) out.push_back(make_standard_webhooks(s.standard));
  return out;
}

}  // namespace proof::sources
