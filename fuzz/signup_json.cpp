// libFuzzer target: JSON bodies through parse_json, validate and make_event. Whatever
// parse_json returns must be exactly the document's string members; check_validate judges
// the rest.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "check_signup.h"
#include "core/signup.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto outcome = proof::core::parse_json(body);
  const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);

  if (const auto* refusal = std::get_if<proof::core::Refusal>(&outcome)) {
    using proof::core::RejectReason;
    PROOF_FUZZ_CHECK(refusal->reason == RejectReason::kMalformed ||
                         refusal->reason == RejectReason::kInvalidField,
                     refusal->message);
    PROOF_FUZZ_CHECK(!refusal->message.empty(), "");
    if (refusal->reason == RejectReason::kMalformed) {
      PROOF_FUZZ_CHECK(doc.is_discarded() || !doc.is_object(), body);
    } else {
      bool has_non_string = false;
      for (const auto& [name, value] : doc.items()) {
        if (!value.is_null() && !value.is_string()) has_non_string = true;
      }
      PROOF_FUZZ_CHECK(doc.is_object() && has_non_string, body);
    }
    return 0;
  }
  const proof::core::Fields& fields = std::get<proof::core::Fields>(outcome);
  PROOF_FUZZ_CHECK(doc.is_object(), body);
  std::size_t strings = 0;
  for (const auto& [name, value] : doc.items()) {
    PROOF_FUZZ_CHECK(value.is_null() || value.is_string(), body);
    if (value.is_null()) {
      PROOF_FUZZ_CHECK(fields.find(name) == fields.end(), name);  // null means absent
      continue;
    }
    ++strings;
    const auto it = fields.find(name);
    PROOF_FUZZ_CHECK(it != fields.end() && it->second == value.get<std::string>(), name);
  }
  PROOF_FUZZ_CHECK(fields.size() == strings, body);

  proof::fuzz::check_validate(fields, size);
  return 0;
}
