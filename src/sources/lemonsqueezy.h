// POST /hooks/lemonsqueezy: Lemon Squeezy's order webhooks. Signed with X-Signature: the
// lowercase hex of HMAC-SHA256 of the body, keyed with the signing secret typed when the
// webhook was made (6 to 40 characters). Only the body is signed (X-Event-Name is not: the
// event is the body's meta.event_name); a retry repeats the order, whose id is the key, and
// the order's updated_at says how old the delivery is.
//
// Cards: order_created with status "paid". Take-backs: order_refunded when the order is
// refunded in full (a partial refund leaves the card). Test mode (meta.test_mode) is
// ignored without --accept-test-events.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sources/receiver.h"

namespace proof::sources {

/// `secrets`: each --lemonsqueezy-secret.
std::unique_ptr<Receiver> make_lemonsqueezy(std::vector<std::string> secrets);

}  // namespace proof::sources
