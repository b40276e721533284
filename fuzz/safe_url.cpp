// libFuzzer target: is_safe_url against the documented rule, and the URL fields of
// validate() (img_path, url) fed the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check_signup.h"
#include "core/signup.h"
#include "oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  const bool safe = proof::core::is_safe_url(url);
  if (safe != proof::fuzz::url_rule(url)) {
    proof::fuzz::violated(safe ? "is_safe_url accepted a URL the rule refuses"
                               : "is_safe_url refused a URL the rule accepts",
                          url);
  }
  if (safe) PROOF_FUZZ_CHECK(!proof::fuzz::obviously_unsafe(url), url);

  proof::fuzz::check_validate({{"url", std::string(url)}}, size);
  proof::fuzz::check_validate({{"img_path", std::string(url)}, {"user_name", "Jane"}}, size + 1);
  return 0;
}
