// Which web pages may open streams: the Origin check behind --allowed-origin.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proof::http {

class OriginPolicy {
 public:
  /// `allowed`: origins such as "https://shop.example" (or "*" for any), as configured.
  explicit OriginPolicy(const std::vector<std::string>& allowed);

  enum class Verdict {
    kNoOrigin,    ///< no Origin header: curl, a back end, or a same-origin GET
    kSameOrigin,  ///< the page came from proof itself (the demo page)
    kAllowed,     ///< listed: echo it in Access-Control-Allow-Origin
    kRefused,     ///< answer 403
  };

  /// Judges a request's Origin header against the list; `host` is its Host header.
  Verdict check(std::string_view origin, std::string_view host) const;

  /// Normalises a configured origin ("HTTPS://Shop.example/" → "https://shop.example"), or
  /// nullopt when it is not of the form scheme://host[:port] or "*".
  static std::optional<std::string> normalise(std::string_view origin);

 private:
  std::vector<std::string> allowed_;
  bool any_ = false;
};

}  // namespace proof::http
