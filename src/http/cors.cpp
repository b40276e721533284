#include "http/cors.h"

#include <algorithm>

#include "core/text.h"

namespace proof::http {

OriginPolicy::OriginPolicy(const std::vector<std::string>& allowed) {
  for (const auto& origin : allowed) {
    if (origin == "*") {
      any_ = true;
    } else if (auto normal = normalise(origin)) {
      allowed_.push_back(std::move(*normal));
    }
  }
}

std::optional<std::string> OriginPolicy::normalise(std::string_view origin) {
  if (origin == "*") return std::string(origin);
  std::string lower = core::text::ascii_lower(core::text::trim(origin));
  while (!lower.empty() && lower.back() == '/') lower.pop_back();
  for (const std::string_view scheme :
       {std::string_view("http://"), std::string_view("https://")}) {
    if (lower.rfind(scheme, 0) != 0) continue;
    const std::string_view host = std::string_view(lower).substr(scheme.size());
    const bool plain = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' ||
             c == '[' || c == ']';
    });
    if (plain) return lower;
  }
  return std::nullopt;
}

OriginPolicy::Verdict OriginPolicy::check(std::string_view origin, std::string_view host) const {
  if (origin.empty()) return Verdict::kNoOrigin;
  // "null" is what sandboxed frames and file: pages send; no site is behind it, even for *.
  if (origin == "null") return Verdict::kRefused;
  const std::string lower = core::text::ascii_lower(origin);
  const std::size_t sep = lower.find("://");
  if (sep != std::string::npos && !host.empty() &&
      std::string_view(lower).substr(sep + 3) == core::text::ascii_lower(host)) {
    return Verdict::kSameOrigin;
  }
  if (any_ || std::find(allowed_.begin(), allowed_.end(), lower) != allowed_.end()) {
    return Verdict::kAllowed;
  }
  return Verdict::kRefused;
}

}  // namespace proof::http
