#include "sources/signing.h"

#include "core/digest.h"

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

}  // namespace proof::sources
