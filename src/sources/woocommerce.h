// POST /hooks/woocommerce: WooCommerce's order webhooks (topics order.created and
// order.updated). Signed with X-WC-Webhook-Signature: the base64 of HMAC-SHA256 of the
// body, keyed with the webhook's secret (WordPress decodes HTML entities in it first, so
// both forms are tried). Only the body is signed (not X-WC-Webhook-Source, not the topic),
// nothing is timestamped, and WooCommerce never retries a delivery (it disables a webhook
// after a few failures): the order, not the delivery, is the key: the site named by the
// order's own _links (else the secret that signed it) and its id. Its date_modified_gmt
// says how old the delivery is.
//
// Cards: an order in status processing or completed (order.created fires while an order is
// still pending; its order.updated shows the card once paid). Take-backs: refunded,
// cancelled, failed or trash, or a deletion (its body is the order's id alone, so the
// secret names the site). When a webhook is created, WooCommerce sends one unsigned form
// POST `webhook_id=N` and wants a 200: that is the ping.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sources/receiver.h"

namespace proof::sources {

/// `secrets`: each --woocommerce-secret.
std::unique_ptr<Receiver> make_woocommerce(std::vector<std::string> secrets);

/// The secret as WordPress keys the HMAC with it: wp_specialchars_decode(ENT_QUOTES) of
/// what is stored (&amp; &lt; &gt; &quot; &#039; and &#39; decoded, once).
std::string wordpress_decoded(std::string_view secret);

}  // namespace proof::sources
