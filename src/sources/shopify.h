// POST /hooks/shopify: Shopify's order webhooks. Signed with X-Shopify-Hmac-Sha256: the
// base64 of HMAC-SHA256 of the body, keyed with the signing key shown under Settings >
// Notifications > Webhooks (or an app's client secret). No timestamp is signed; retries
// repeat X-Shopify-Webhook-Id.
//
// Cards: an order whose financial_status is "paid" (orders/paid; orders/create and
// orders/updated too, once paid). Take-backs: orders/cancelled, or any order update that
// is refunded, voided or cancelled. Test orders (test: true, such as the admin's "Send test
// notification") are ignored without --accept-test-events.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sources/receiver.h"

namespace proof::sources {

/// `secrets`: each --shopify-secret.
std::unique_ptr<Receiver> make_shopify(std::vector<std::string> secrets);

}  // namespace proof::sources
