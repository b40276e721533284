// Asking the system and Redis what the server will ask them at start.
#include "app/probes.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <variant>

#include "net/listen.h"
#include "store/redis_connection.h"

namespace proof::app {

std::optional<std::string> bind_problem(const std::string& address) {
  // Port 0: a server already running on the real port must not get in the way.
  auto probe = net::listen(address, 0);
  if (const auto* error = std::get_if<net::ListenError>(&probe)) {
    return error->unresolved ? "'" + address + "' is not an address: " + error->reason
                             : "cannot listen on '" + address + "': " + error->reason;
  }
  ::close(std::get<net::Listening>(probe).fd);
  return std::nullopt;
}

bool is_loopback(const std::string& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(address.c_str(), "0", &hints, &found) != 0) return false;
  bool loopback = found != nullptr;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      loopback = loopback && (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (ai->ai_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      loopback = loopback && IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    } else {
      loopback = false;
    }
  }
  freeaddrinfo(found);
  return loopback;
}

std::optional<store::RedisAddress> redis_address(const Settings& s) {
  if (s.redis_url.empty()) return std::nullopt;
  std::string error;
  auto address = store::parse_redis_url(s.redis_url, error);
  if (address && address->password.empty()) address->password = s.redis_password;
  return address;
}

RedisCheck check_redis(const Settings& s) {
  RedisCheck check;
  const auto address = redis_address(s);
  if (!address) return check;
  const store::RedisProbe probe = store::probe_redis(*address, store::RedisKeys{s.redis_prefix});
  const std::string url = store::redacted_redis_url(s.redis_url);
  if (probe.refusal) {
    check.refusal = url + ": " + *probe.refusal;
  } else if (!probe.reached) {
    check.unreachable = "could not reach " + url + " to check the password and the rights (" +
                        probe.problem + "); the server waits for it";
  }
  return check;
}

}  // namespace proof::app
