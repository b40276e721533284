// client_address.h: who a request is from, believing X-Forwarded-For only from trusted proxies,
// and only when every hop in it is an IP address.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/client_address.h"

using proof::http::client_address;

namespace {

std::string address(std::string_view peer, std::string_view forwarded,
                    const std::vector<std::string>& proxies) {
  return client_address(peer, forwarded, proxies).address;
}

const std::vector<std::string> kNoProxies;
const std::vector<std::string> kProxies{"127.0.0.1", "10.0.0.2"};
}  // namespace

TEST_CASE("Client address: without trusted proxies the peer is the client", "[client_address]") {
  CHECK(address("203.0.113.7", "", kNoProxies) == "203.0.113.7");
  // A client cannot pick its own address by sending the header.
  CHECK(address("203.0.113.7", "1.2.3.4", kNoProxies) == "203.0.113.7");
  CHECK(address("203.0.113.7", "1.2.3.4", kProxies) == "203.0.113.7");
}

TEST_CASE("Client address: behind a trusted proxy the forwarded address is the client",
          "[client_address]") {
  CHECK(address("127.0.0.1", "198.51.100.9", kProxies) == "198.51.100.9");
  CHECK(address("127.0.0.1", " 198.51.100.9 ", kProxies) == "198.51.100.9");
  CHECK(address("127.0.0.1", "", kProxies) == "127.0.0.1");
}

TEST_CASE("Client address: X-Forwarded-For is read from the right, skipping trusted hops",
          "[client_address]") {
  // The client forged "6.6.6.6"; the proxy appended the real address on the right.
  CHECK(address("127.0.0.1", "6.6.6.6, 198.51.100.9", kProxies) == "198.51.100.9");
  // Two proxies of ours in a chain: the first untrusted hop from the right is the client.
  CHECK(address("127.0.0.1", "6.6.6.6, 198.51.100.9, 10.0.0.2", kProxies) == "198.51.100.9");
  CHECK(address("127.0.0.1", "198.51.100.9,10.0.0.2,", kProxies) == "198.51.100.9");
  // Only trusted hops: nothing better than the peer is known.
  CHECK(address("127.0.0.1", "10.0.0.2, 127.0.0.1", kProxies) == "127.0.0.1");
  CHECK(address("127.0.0.1", " , ", kProxies) == "127.0.0.1");
}

TEST_CASE("Client address: a header with any hop that is not an IP address is ignored whole",
          "[client_address]") {
  // What a forger sends through nginx, which appends the real address: decoded and cut at
  // the NUL, "198.51.100.7%00" would read as 198.51.100.7 (found on 0678ced).
  for (const char* forged :
       {"198.51.100.7%00, 203.0.113.5", "198.51.100.7%00", "evil.example, 203.0.113.5",
        "203.0.113.5:4711", "[2001:db8::1]", "198.51.100.7 203.0.113.5", "1.2.3.4.5"}) {
    const auto who = client_address("127.0.0.1", forged, kProxies);
    CHECK(who.address == "127.0.0.1");
    CHECK(who.ignored_header);
  }
  // The same forgery from an untrusted peer was never read: nothing to count.
  CHECK_FALSE(client_address("203.0.113.7", "198.51.100.7%00", kProxies).ignored_header);
  // Well-formed headers are read, IPv6 included, and nothing is counted.
  const auto ipv6 = client_address("127.0.0.1", "2001:db8::7", kProxies);
  CHECK(ipv6.address == "2001:db8::7");
  CHECK_FALSE(ipv6.ignored_header);
}

TEST_CASE("Client address: proxies and hops compare as addresses, not as text",
          "[client_address]") {
  // An IPv4 peer on a dual-stack socket, and a proxy written in another form.
  CHECK(address("::ffff:127.0.0.1", "198.51.100.9", kProxies) == "198.51.100.9");
  CHECK(address("127.0.0.1", "198.51.100.9, ::ffff:10.0.0.2", kProxies) == "198.51.100.9");
}
