#include "sources/signing.h"

#include "core/digest.h"
#include "core/encoding.h"

namespace proof::sources {

std::optional<std::size_t> signed_by(const std::vector<std::string>& keys, std::string_view message,
                                     const std::vector<std::string>& digests) {
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string expected = core::hmac_sha256(keys[i], message);
    bool match = false;
    for (const std::string& digest : digests) match = core::same_bytes(expected, digest) || match;
    if (match && !found) found = i;
  }
  return found;
}

Verification verify_body_signature(const Delivery& d, const BodySignature& scheme,
                                   const std::vector<std::string>& keys) {
  const std::string shown(scheme.shown);
  if (d.count(scheme.header) == 0) {
    return BadSignature{shown + " is missing: only " + std::string(scheme.platform) +
                        " signed webhooks are accepted here"};
  }
  const auto header = d.header(scheme.header);
  if (!header) return BadSignature{shown + " is given more than once"};
  const auto digest = scheme.base64 ? core::from_base64(*header) : core::from_hex(*header);
  if (!digest || digest->size() != 32) {
    return BadSignature{shown + " is not the " + (scheme.base64 ? "base64" : "hex") +
                        " of an HMAC-SHA256"};
  }
  const auto key = signed_by(keys, d.body, {*digest});
  if (!key) return BadSignature{shown + " does not match " + std::string(scheme.mismatch)};
  return Verified{*key};
}

}  // namespace proof::sources
