// POST /hooks/shopify: Shopify's order webhooks. Signed with X-Shopify-Hmac-Sha256: the
// base64 of HMAC-SHA256 of the body, keyed with the signing key shown under Settings >
// Notifications > Webhooks (or an app's client secret). Only the body is signed: no
// timestamp, and none of the headers (topic, shop, webhook id), so everything proof keeps
// or decides comes from the body. The order's id, unique across shops, is its key; its
// updated_at says how old the delivery is.
//
// Cards: an order whose financial_status is "paid" (orders/paid; orders/create and
// orders/updated too, once paid). Take-backs: an order the body says is cancelled
// (cancelled_at, as orders/cancelled sends it), refunded or voided. Test orders (test: true,
// such as the admin's "Send test notification") are ignored without --accept-test-events.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sources/receiver.h"

namespace proof::sources {

/// `secrets`: each --shopify-secret.
std::unique_ptr<Receiver> make_shopify(std::vector<std::string> secrets);

}  // namespace proof::sources
