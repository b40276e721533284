#include "http/auth.h"

#include "core/text.h"

namespace proof::http {

bool keys_equal(std::string_view expected, std::string_view given) {
  if (expected.empty()) return false;
  // volatile keeps the compiler from turning the loop into an early-exit memcmp.
  volatile unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    diff = static_cast<unsigned char>(diff |
                                      (static_cast<unsigned char>(given[i]) ^
                                       static_cast<unsigned char>(expected[i % expected.size()])));
  }
  return diff == 0;
}

std::string key_from_headers(std::string_view authorization, std::string_view x_api_key) {
  constexpr std::string_view kBearer = "bearer ";
  const std::string_view auth = core::text::trim(authorization);
  if (auth.size() > kBearer.size() &&
      core::text::ascii_lower(auth.substr(0, kBearer.size())) == kBearer) {
    return std::string(core::text::trim(auth.substr(kBearer.size())));
  }
  return std::string(core::text::trim(x_api_key));
}

}  // namespace proof::http
