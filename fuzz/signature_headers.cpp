// libFuzzer target: every signature header parser of sources/ and the encodings they
// decode, against what their documentation says: Stripe-Signature (t= and v1= entries,
// comma-separated), Standard Webhooks (id, timestamp, "v1,BASE64" entries separated by
// spaces), base64 and hex (one spelling per byte string: decode then encode gives the
// input back, padding aside).
//
// Input: a selector byte, then the text; for Standard Webhooks the text is split at the
// first two newlines into id, timestamp and signature.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "oracle.h"
#include "sources/standard_webhooks.h"
#include "sources/stripe.h"

namespace {

using proof::fuzz::violated;

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void stripe(std::string_view header) {
  const auto parsed = proof::sources::parse_stripe_signature(header);
  const auto* sig = std::get_if<proof::sources::StripeSignature>(&parsed);
  if (!sig) {
    PROOF_FUZZ_CHECK(!std::get<std::string>(parsed).empty(), header);
    return;
  }
  // Accepted: the header has a "t=DIGITS" entry and at least one v1 entry of hex.
  bool timestamp = false;
  std::size_t v1 = 0;
  std::string_view rest = header;
  while (true) {
    const std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("t=") && all_digits(item.substr(2))) timestamp = true;
    if (item.starts_with("v1=") && proof::core::from_hex(item.substr(3))) ++v1;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  PROOF_FUZZ_CHECK(timestamp, header);
  PROOF_FUZZ_CHECK(v1 == sig->v1.size() && v1 > 0, header);
  PROOF_FUZZ_CHECK(sig->timestamp >= 0, header);
}

void standard(std::string_view text) {
  const std::size_t a = text.find('\n');
  const std::size_t b = a == std::string_view::npos ? a : text.find('\n', a + 1);
  if (b == std::string_view::npos) return;
  const std::string_view id = text.substr(0, a);
  const std::string_view ts = text.substr(a + 1, b - a - 1);
  const std::string_view signature = text.substr(b + 1);
  const auto parsed = proof::sources::parse_standard_signature(id, ts, signature);
  const auto* sig = std::get_if<proof::sources::StandardSignature>(&parsed);
  if (!sig) return;
  PROOF_FUZZ_CHECK(!id.empty() && id.size() <= 256 && sig->id == id, id);
  PROOF_FUZZ_CHECK(all_digits(ts), ts);
  PROOF_FUZZ_CHECK(!sig->v1.empty(), signature);
  // Each v1 entry decodes, and encodes back to what was sent, padding aside.
  for (const auto& bytes : sig->v1) {
    const std::string again = proof::core::to_base64(bytes);
    std::string bare = again;
    while (!bare.empty() && bare.back() == '=') bare.pop_back();
    PROOF_FUZZ_CHECK(signature.find("v1," + again) != std::string_view::npos ||
                         signature.find("v1," + bare) != std::string_view::npos,
                     signature);
  }
}

void base64(std::string_view text) {
  const auto bytes = proof::core::from_base64(text);
  if (!bytes) return;
  std::string expected(text);
  const std::string again = proof::core::to_base64(*bytes);
  // Padding is optional on input, always written on output.
  while (!expected.empty() && expected.back() == '=') expected.pop_back();
  std::string bare = again;
  while (!bare.empty() && bare.back() == '=') bare.pop_back();
  if (bare != expected) violated("base64 decoded to bytes that encode otherwise", text);
  PROOF_FUZZ_CHECK(again.size() % 4 == 0, again);
}

void hex(std::string_view text) {
  const auto bytes = proof::core::from_hex(text);
  if (!bytes) return;
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  if (proof::core::to_hex(*bytes) != lower) {
    violated("hex decoded to bytes that encode otherwise", text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      stripe(text);
      break;
    case 1:
      standard(text);
      break;
    case 2:
      base64(text);
      break;
    default:
      hex(text);
      break;
  }
  return 0;
}
