// Asking the system and Redis what the server will ask them at start.
#include "app/probes.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/error_text.h"
#include "store/redis_connection.h"

namespace proof {

std::optional<std::string> bind_problem(const std::string& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(address.c_str(), "0", &hints, &found); rc != 0) {
    return "'" + address + "' is not an address: " + gai_strerror(rc);
  }
  std::string problem = "'" + address + "' cannot be listened on";
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const bool bound = ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (!bound) problem = "cannot listen on '" + address + "': " + error_text(errno);
    ::close(fd);
    if (bound) {
      freeaddrinfo(found);
      return std::nullopt;
    }
  }
  freeaddrinfo(found);
  return problem;
}

std::optional<RedisAddress> redis_address(const Settings& s) {
  if (s.redis_url.empty()) return std::nullopt;
  std::string error;
  auto address = parse_redis_url(s.redis_url, error);
  if (address && address->password.empty()) address->password = s.redis_password;
  return address;
}

RedisCheck check_redis(const Settings& s) {
  RedisCheck check;
  const auto address = redis_address(s);
  if (!address) return check;
  const RedisProbe probe = probe_redis(*address, RedisKeys{s.redis_prefix});
  const std::string url = redacted_redis_url(s.redis_url);
  if (probe.refusal) {
    check.refusal = url + ": " + *probe.refusal;
  } else if (!probe.reached) {
    check.unreachable = "could not reach " + url + " to check the password and the rights (" +
                        probe.problem + "); the server waits for it";
  }
  return check;
}

}  // namespace proof
