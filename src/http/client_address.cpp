#include "http/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "core/text.h"

namespace proof::http {

namespace {

using IpBytes = std::array<unsigned char, 16>;

/// `text` as an IPv6 address (an IPv4 one mapped, ::ffff:a.b.c.d), or nullopt when it is
/// not exactly an address: nothing before, after or inside it (no port, no zone, no NUL).
std::optional<IpBytes> ip_bytes(std::string_view text) {
  // inet_pton reads a C string: a NUL inside would end it early, so refuse one outright.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != text.npos) {
    return std::nullopt;
  }
  const std::string c_text(text);
  IpBytes out{};
  if (inet_pton(AF_INET6, c_text.c_str(), out.data()) == 1) return out;
  in_addr v4{};
  if (inet_pton(AF_INET, c_text.c_str(), &v4) != 1) return std::nullopt;
  out = {};
  out[10] = 0xff;
  out[11] = 0xff;
  std::memcpy(out.data() + 12, &v4, sizeof v4);
  return out;
}

bool is_trusted(const IpBytes& address, const std::vector<std::string>& trusted) {
  return std::any_of(trusted.begin(), trusted.end(), [&](const std::string& proxy) {
    const auto bytes = ip_bytes(proxy);
    return bytes && *bytes == address;
  });
}

}  // namespace

ClientAddress client_address(std::string_view peer, std::string_view forwarded_for,
                             const std::vector<std::string>& trusted_proxies) {
  ClientAddress out{std::string(peer), false};
  if (forwarded_for.empty() || trusted_proxies.empty()) return out;
  const auto peer_bytes = ip_bytes(peer);
  if (!peer_bytes || !is_trusted(*peer_bytes, trusted_proxies)) return out;
  // Every hop first: one that is not an address makes the whole header untrustworthy.
  std::vector<std::pair<std::string_view, IpBytes>> hops;
  std::string_view rest = forwarded_for;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view hop = core::text::trim(rest.substr(0, comma));
    if (!hop.empty()) {
      const auto bytes = ip_bytes(hop);
      if (!bytes) {
        out.ignored_header = true;
        return out;
      }
      hops.emplace_back(hop, *bytes);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!is_trusted(it->second, trusted_proxies)) {
      out.address = std::string(it->first);
      return out;
    }
  }
  return out;
}

}  // namespace proof::http
