// POST /hooks/standard: any sender of Standard Webhooks (standardwebhooks.com: Svix, and
// the services built on it), a site's own back end included. Signed with webhook-id,
// webhook-timestamp and webhook-signature (or the same with svix-): the base64 of
// HMAC-SHA256 of "ID.TIMESTAMP.BODY", keyed with the bytes of the secret (whsec_ + base64);
// the signature header lists "v1,SIG" entries separated by spaces (several during a
// rotation); a timestamp more than 5 minutes old or ahead is refused.
//
// The body is the spec's envelope {"type", "timestamp", "data"}, with POST /signup's
// fields in data (user_name, offer_name, img_path, city, url). Every such delivery is a
// card, remembered by its webhook-id; with data.order_id it is remembered by that too,
// and a type ending in ".refunded" or ".cancelled" takes that order's card back.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sources/receiver.h"

namespace proof::sources {

/// The three headers, read.
struct StandardSignature {
  std::string id;
  std::int64_t timestamp = 0;
  std::vector<std::string> v1;  ///< raw bytes of each v1 entry; other versions skipped
};

/// Reads webhook-id, webhook-timestamp and webhook-signature as given; what is wrong with
/// them, as a sentence, otherwise.
std::variant<StandardSignature, std::string> parse_standard_signature(std::string_view id,
                                                                      std::string_view timestamp,
                                                                      std::string_view signature);

/// The key bytes of a --webhook-secret (whsec_ optional, then base64), or nullopt when it
/// does not decode to at least one byte.
std::optional<std::string> standard_secret_key(std::string_view secret);

/// `secrets`: each --webhook-secret (checked with standard_secret_key first).
std::unique_ptr<Receiver> make_standard_webhooks(const std::vector<std::string>& secrets);

}  // namespace proof::sources
