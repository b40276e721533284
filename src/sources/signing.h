// What every receiver's verify step shares: HMAC-SHA256 over the signed bytes with each
// configured secret, compared in constant time with each signature the delivery carries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace proof::sources {

/// True when one of `digests` (raw bytes) is HMAC-SHA256(key, message) for one of `keys`.
/// Every pair is compared, in constant time each, so the time taken says nothing about
/// which key or digest came close.
bool signed_by_any(const std::vector<std::string>& keys, std::string_view message,
                   const std::vector<std::string>& digests);

}  // namespace proof::sources
