// libFuzzer target: the original's form body (application/x-www-form-urlencoded) through
// parse_form, validate and make_event. parse_form is compared with an independent decoder,
// its fields must survive re-encoding, and check_validate judges the rest.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "check_signup.h"
#include "core/signup.h"

namespace {

using proof::core::Fields;
using proof::fuzz::violated;

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// '+' is a space, "%XY" a byte; a '%' without two hex digits after it makes the body bad.
std::optional<std::string> decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else if (s.size() - i >= 3 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

/// The whole body's fields by the rules in signup.h, or nullopt when it must be refused.
std::optional<Fields> reference_parse(std::string_view body) {
  Fields fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const auto name = decode(pair.substr(0, eq));
    const auto value =
        decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    if (!fields.emplace(*name, *value).second) return std::nullopt;
  }
  return fields;
}

std::string encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto outcome = proof::core::parse_form(body);
  const auto expected = reference_parse(body);

  if (const auto* refusal = std::get_if<proof::core::Refusal>(&outcome)) {
    if (expected) violated("parse_form refused a well-formed body", refusal->message);
    PROOF_FUZZ_CHECK(refusal->reason == proof::core::RejectReason::kMalformed, refusal->message);
    return 0;
  }
  const Fields& fields = std::get<Fields>(outcome);
  if (!expected) violated("parse_form accepted a malformed body", body);
  PROOF_FUZZ_CHECK(fields == *expected, body);

  // Re-encoding what was parsed gives the same fields back.
  std::string again;
  for (const auto& [name, value] : fields) {
    if (!again.empty()) again += '&';
    again += encode(name) + '=' + encode(value);
  }
  const auto reparsed = proof::core::parse_form(again);
  PROOF_FUZZ_CHECK(std::holds_alternative<Fields>(reparsed), again);
  PROOF_FUZZ_CHECK(std::get<Fields>(reparsed) == fields, again);

  proof::fuzz::check_validate(fields, size);
  return 0;
}
