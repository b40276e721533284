#include "sources/signing.h"

#include "core/digest.h"
#include "core/encoding.h"

namespace proof::sources {

bool signed_by_any(const std::vector<std::string>& keys, std::string_view message,
                   const std::vector<std::string>& digests) {
  bool found = false;
  for (const std::string& key : keys) {
    const std::string expected = hmac_sha256(key, message);
    for (const std::string& digest : digests) found = same_bytes(expected, digest) || found;
  }
  return found;
}

std::optional<BadSignature> verify_body_signature(const Delivery& d, const BodySignature& scheme,
                                                  const std::vector<std::string>& keys) {
  const std::string shown(scheme.shown);
  if (d.count(scheme.header) == 0) {
    return BadSignature{shown + " is missing: only " + std::string(scheme.platform) +
                        " signed webhooks are accepted here"};
  }
  const auto header = d.header(scheme.header);
  if (!header) return BadSignature{shown + " is given more than once"};
  const auto digest = scheme.base64 ? from_base64(*header) : from_hex(*header);
  if (!digest || digest->size() != 32) {
    return BadSignature{shown + " is not the " + (scheme.base64 ? "base64" : "hex") +
                        " of an HMAC-SHA256"};
  }
  if (!signed_by_any(keys, d.body, {*digest})) {
    return BadSignature{shown + " does not match " + std::string(scheme.mismatch)};
  }
  return std::nullopt;
}

}  // namespace proof::sources
