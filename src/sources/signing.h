// What every receiver's verify step shares: HMAC-SHA256 over the signed bytes with each
// configured secret, compared in constant time with each signature the delivery carries.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sources/receiver.h"

namespace proof::sources {

/// How a platform that signs the body alone, in one header, says it (Shopify, WooCommerce,
/// Lemon Squeezy): the header, its encoding, and what to tell an operator when no secret
/// matches.
struct BodySignature {
  std::string_view header;    ///< lower case, as Delivery holds it
  std::string_view shown;     ///< as the platform's documentation spells it
  bool base64 = true;         ///< else lowercase hex
  std::string_view platform;  ///< "Shopify's", for "only Shopify's signed webhooks..."
  std::string_view mismatch;  ///< the sentence after "... does not match "
};

/// Checks `delivery` against `scheme` with each of `keys`: present once, decodes to a
/// 32-byte digest, and is HMAC-SHA256 of the body with one key, whose position it gives.
Verification verify_body_signature(const Delivery& delivery, const BodySignature& scheme,
                                   const std::vector<std::string>& keys);

/// The position in `keys` of the first key for which one of `digests` (raw bytes) is
/// HMAC-SHA256(key, message), or nullopt. Every pair is compared, in constant time each,
/// so the time taken says nothing about which key or digest came close.
std::optional<std::size_t> signed_by(const std::vector<std::string>& keys, std::string_view message,
                                     const std::vector<std::string>& digests);

}  // namespace proof::sources
