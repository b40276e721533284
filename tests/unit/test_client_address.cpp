// client_address.h: who a request is from, believing X-Forwarded-For only from trusted proxies.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/client_address.h"

using proof::client_address;

namespace {
const std::vector<std::string> kNoProxies;
const std::vector<std::string> kProxies{"127.0.0.1", "10.0.0.2"};
}  // namespace

TEST_CASE("Client address: without trusted proxies the peer is the client", "[client_address]") {
  CHECK(client_address("203.0.113.7", "", kNoProxies) == "203.0.113.7");
  // A client cannot pick its own address by sending the header.
  CHECK(client_address("203.0.113.7", "1.2.3.4", kNoProxies) == "203.0.113.7");
  CHECK(client_address("203.0.113.7", "1.2.3.4", kProxies) == "203.0.113.7");
}

TEST_CASE("Client address: behind a trusted proxy the forwarded address is the client",
          "[client_address]") {
  CHECK(client_address("127.0.0.1", "198.51.100.9", kProxies) == "198.51.100.9");
  CHECK(client_address("127.0.0.1", " 198.51.100.9 ", kProxies) == "198.51.100.9");
  CHECK(client_address("127.0.0.1", "", kProxies) == "127.0.0.1");
}

TEST_CASE("Client address: X-Forwarded-For is read from the right, skipping trusted hops",
          "[client_address]") {
  // The client forged "6.6.6.6"; the proxy appended the real address on the right.
  CHECK(client_address("127.0.0.1", "6.6.6.6, 198.51.100.9", kProxies) == "198.51.100.9");
  // Two proxies of ours in a chain: the first untrusted hop from the right is the client.
  CHECK(client_address("127.0.0.1", "6.6.6.6, 198.51.100.9, 10.0.0.2", kProxies) == "198.51.100.9");
  CHECK(client_address("127.0.0.1", "198.51.100.9,10.0.0.2,", kProxies) == "198.51.100.9");
  // Only trusted hops: nothing better than the peer is known.
  CHECK(client_address("127.0.0.1", "10.0.0.2, 127.0.0.1", kProxies) == "127.0.0.1");
  CHECK(client_address("127.0.0.1", " , ", kProxies) == "127.0.0.1");
}
