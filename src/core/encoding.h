// Binary-to-text encodings that signatures travel in: lowercase hex (Stripe, Lemon
// Squeezy), standard base64 with padding (Shopify, WooCommerce, Standard Webhooks). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace proof::core {

/// The value of one hex digit (either case), or -1 for any other character.
constexpr int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

/// The bytes of even-length hex (either case); nullopt for anything else.
std::optional<std::string> from_hex(std::string_view hex);

/// Standard base64 (RFC 4648 §4: + and /, padded with =).
std::string to_base64(std::string_view bytes);

/// The bytes of standard base64; padding is optional, but what is there must be right, and
/// nothing else (white space, the URL-safe alphabet, bits left over) is accepted.
std::optional<std::string> from_base64(std::string_view text);

}  // namespace proof::core
