#include "net/listen.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/error_text.h"

namespace proof::net {

namespace {

/// A burst of page loads after a restart must not meet refused or hanging connects.
constexpr int kListenBacklog = 4096;

/// Kernel send buffer of every connection (inherited from the listening socket). With the
/// loop's own per-stream backlog it bounds what a stream that stops reading can pin.
constexpr int kSendBufferBytes = 64 * 1024;

}  // namespace

std::string ListenError::message(const std::string& address, int port) const {
  return "cannot listen on " + address + ":" + std::to_string(port) + ": " + reason;
}

std::variant<Listening, ListenError> listen(const std::string& address, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(port);
  if (const int rc = getaddrinfo(address.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return ListenError{true, gai_strerror(rc)};
  }
  Listening out;
  int last_errno = 0;
  for (addrinfo* ai = found; ai != nullptr && out.fd < 0; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSendBufferBytes, sizeof kSendBufferBytes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, kListenBacklog) == 0) {
      out.fd = fd;
      break;
    }
    last_errno = errno;
    ::close(fd);
  }
  freeaddrinfo(found);
  if (out.fd < 0) return ListenError{false, core::error_text(last_errno)};
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(out.fd, reinterpret_cast<sockaddr*>(&bound), &len);
  out.port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
  return out;
}

}  // namespace proof::net
