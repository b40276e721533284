// libFuzzer target: every platform mapper of sources/ (Receiver::read) on arbitrary
// bodies and headers, against the rules docs/sources.md states: nothing it reads is
// refused for its text (a card's name, offer and city are UTF-8 without control
// characters, at most 120 characters, and pass POST /signup's validation), a card always
// has a key to be remembered by, a card from a platform that signs no timestamp carries
// the order's own time (or "stale" could never be said), no key a card or take-back is
// remembered by is made of a header the platform does not sign (former_keys, proof
// 0.1.0's, are only looked up), a take-back from an order platform names its order, and
// what is ignored says one of the documented reasons. Signatures are not checked here
// (signature_headers does); read() is only ever called after verify(), but must not
// trust the body either way.
//
// Input: a selector byte (platform, --accept-test-events, header set), then the body.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/signup.h"
#include "oracle.h"
#include "sources/lemonsqueezy.h"
#include "sources/receiver.h"
#include "sources/shopify.h"
#include "sources/standard_webhooks.h"
#include "sources/stripe.h"
#include "sources/woocommerce.h"

namespace {

using namespace proof::sources;
using proof::fuzz::violated;

const std::set<std::string> kReasons = {"test", "unpaid", "event type", "partial refund"};

void check_text(const proof::core::Fields& fields, std::string_view name) {
  const auto it = fields.find(name);
  if (it == fields.end()) return;
  const auto points = proof::fuzz::decode_utf8(it->second);
  PROOF_FUZZ_CHECK(points.has_value(), it->second);
  PROOF_FUZZ_CHECK(points->size() <= proof::core::limits::kNameChars, it->second);
  for (const char32_t c : *points) {
    PROOF_FUZZ_CHECK(!(c < 0x20 || (c >= 0x7F && c <= 0x9F)), it->second);
  }
  PROOF_FUZZ_CHECK(it->second.empty() || (it->second.front() != ' ' && it->second.back() != ' '),
                   it->second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const auto stripe = make_stripe({"whsec_fuzz"});
  static const auto shopify = make_shopify({"fuzz"});
  static const auto woo = make_woocommerce({"fuzz"});
  static const auto lemon = make_lemonsqueezy({"fuzzfuzz"});
  static const auto standard = make_standard_webhooks({"whsec_ZnV6eg=="});
  const Receiver* receivers[] = {stripe.get(), shopify.get(), woo.get(), lemon.get(),
                                 standard.get()};
  const std::uint8_t selector = data[0];
  const Receiver& receiver = *receivers[selector % 5];
  const bool order_platform = selector % 5 != 0 && selector % 5 != 4;

  Delivery delivery;
  delivery.body = std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1);
  const char* topics[] = {"orders/paid",   "orders/cancelled", "orders/updated",  "order.updated",
                          "order.created", "order.deleted",    "products/create", ""};
  // Headers no platform but Standard Webhooks signs carry a marker no key may contain
  // (unless the signed body itself does).
  constexpr std::string_view kUnsigned = "unsigned-header-value";
  delivery.headers = {{"x-shopify-topic", topics[(selector / 5) % 8]},
                      {"x-wc-webhook-topic", topics[(selector / 5) % 8]},
                      {"x-shopify-webhook-id", std::string(kUnsigned)},
                      {"x-shopify-event-id", std::string(kUnsigned)},
                      {"x-event-name", "order_created"},
                      {"webhook-id", "msg"}};
  if (selector & 0x80) {
    delivery.headers.emplace_back("x-shopify-shop-domain", std::string(kUnsigned));
    delivery.headers.emplace_back("x-wc-webhook-source", std::string(kUnsigned));
  }
  const ReadOptions options{.accept_test = (selector & 0x40) != 0, .offer = "Offer"};
  const bool body_has_marker = delivery.body.find(kUnsigned) != std::string_view::npos;
  const auto check_keys = [&](const std::vector<std::string>& keys) {
    if (body_has_marker) return;
    for (const std::string& key : keys) {
      PROOF_FUZZ_CHECK(key.find(kUnsigned) == std::string::npos, key);
    }
  };

  const Meaning meaning = receiver.read(delivery, options);
  if (const auto* card = std::get_if<Card>(&meaning)) {
    PROOF_FUZZ_CHECK(!card->delivery_keys.empty() || !card->order_keys.empty(), delivery.body);
    check_keys(card->delivery_keys);
    check_keys(card->order_keys);
    check_keys(card->lookup_keys);
    if (order_platform) PROOF_FUZZ_CHECK(card->changed_at.has_value(), delivery.body);
    if (receiver.name() != "standard") {
      // Text from a platform is made fit for a card, never a reason to refuse a sale.
      for (const char* name : {"user_name", "offer_name", "city"}) check_text(card->fields, name);
      const auto validated = proof::core::validate(card->fields);
      if (std::holds_alternative<proof::core::Refusal>(validated)) {
        violated("a platform's card did not pass validation",
                 std::get<proof::core::Refusal>(validated).message);
      }
    }
  } else if (const auto* back = std::get_if<TakeBack>(&meaning)) {
    if (order_platform) PROOF_FUZZ_CHECK(!back->order_keys.empty(), delivery.body);
    check_keys(back->delivery_keys);
    check_keys(back->order_keys);
  } else if (const auto* ignored = std::get_if<Ignored>(&meaning)) {
    PROOF_FUZZ_CHECK(kReasons.contains(ignored->reason), ignored->reason);
  } else {
    PROOF_FUZZ_CHECK(!std::get<Malformed>(meaning).message.empty(), delivery.body);
  }
  // verify() on the same bytes with these headers: a refusal with a message, never a crash.
  const Verification verified = receiver.verify(delivery, Clock::now());
  if (const auto* bad = std::get_if<BadSignature>(&verified)) {
    PROOF_FUZZ_CHECK(!bad->message.empty(), delivery.body);
  }
  return 0;
}
