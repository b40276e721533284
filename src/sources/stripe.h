// POST /hooks/stripe: Stripe's webhooks (Checkout, Payment Links). Signed with
// `Stripe-Signature: t=TIMESTAMP,v1=HEX[,v1=HEX...]`: HMAC-SHA256 of "TIMESTAMP." + body,
// keyed with the endpoint's signing secret (whsec_...) as the bytes it is shown as, in
// lowercase hex; several v1 during a secret's rotation; older than 5 minutes is refused.
//
// Cards: checkout.session.completed and checkout.session.async_payment_succeeded with
// payment_status "paid" (a delayed payment method sends the second one when it is paid).
// Take-backs: charge.refunded with refunded: true (a full refund), found through its
// payment_intent. Test mode (livemode: false) is ignored without --accept-test-events.
// A session carries no product name: metadata.offer_name, else ?offer=.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sources/receiver.h"

namespace proof::sources {

/// Stripe-Signature, split: the timestamp and the v1 signatures (raw bytes). Entries of
/// other schemes (v0) are skipped, as stripe-node skips them.
struct StripeSignature {
  std::int64_t timestamp = 0;
  std::vector<std::string> v1;
};

/// The header's parts, or what is wrong with it (a sentence).
std::variant<StripeSignature, std::string> parse_stripe_signature(std::string_view header);

/// `secrets`: each --stripe-secret.
std::unique_ptr<Receiver> make_stripe(std::vector<std::string> secrets);

}  // namespace proof::sources
