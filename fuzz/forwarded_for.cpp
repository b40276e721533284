// libFuzzer target: client_address (http/client_address.h), what reads X-Forwarded-For,
// against its documented rule: behind a trusted proxy the client is the rightmost hop that
// is not a trusted proxy, but only when every hop is an IP address; otherwise (and from any
// other peer) the peer, and a header that was read and refused says so.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/client_address.h"
#include "oracle.h"

namespace {

bool is_ip(std::string_view s) {
  if (s.empty() || s.size() >= INET6_ADDRSTRLEN || s.find('\0') != std::string_view::npos) {
    return false;
  }
  const std::string text(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  // The first byte picks the peer: a trusted proxy (written two ways) or a stranger.
  static const std::vector<std::string> kTrusted{"127.0.0.1", "10.0.0.2", "2001:db8::1"};
  const char* peers[] = {"127.0.0.1", "::ffff:10.0.0.2", "203.0.113.9", "2001:db8::1"};
  const std::string peer = peers[data[0] % 4];
  const bool trusted_peer = data[0] % 4 != 2;

  const proof::http::ClientAddress who = proof::http::client_address(peer, input, kTrusted);

  std::vector<std::string_view> hops;
  bool all_ip = true;
  for (std::string_view rest = input;;) {
    const std::size_t comma = rest.find(',');
    const std::string_view hop = trim(rest.substr(0, comma));
    if (!hop.empty()) {
      hops.push_back(hop);
      all_ip = all_ip && is_ip(hop);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (!trusted_peer || input.empty()) {
    PROOF_FUZZ_CHECK(who.address == peer, input);
    PROOF_FUZZ_CHECK(!who.ignored_header, input);
    return 0;
  }
  PROOF_FUZZ_CHECK(who.ignored_header == !all_ip, input);
  if (!all_ip) {
    PROOF_FUZZ_CHECK(who.address == peer, input);
    return 0;
  }
  // The answer is the peer or one of the hops, always an address, never with a NUL.
  PROOF_FUZZ_CHECK(is_ip(who.address), input);
  bool is_a_hop = who.address == peer;
  for (const auto hop : hops) is_a_hop = is_a_hop || hop == who.address;
  PROOF_FUZZ_CHECK(is_a_hop, input);
  return 0;
}
