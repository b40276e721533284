// The digests signed webhooks are checked with, and the one way proof compares secrets and
// signatures: HMAC-SHA256 and SHA-256 (OpenSSL's libcrypto), compared in constant time.
// Pure: no state, no clock.
#pragma once

#include <string>
#include <string_view>

namespace proof::core {

/// The 32 raw bytes of HMAC-SHA256(key, message).
std::string hmac_sha256(std::string_view key, std::string_view message);

/// The 32 raw bytes of SHA-256(message).
std::string sha256(std::string_view message);

/// Whether `a` and `b` are the same bytes, in time that depends only on their lengths
/// (which are public: a digest's length is fixed), never on where they first differ.
bool same_bytes(std::string_view a, std::string_view b);

}  // namespace proof::core
