#include "http/http_server.h"

#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/hub.h"
#include "core/signup.h"
#include "http/context.h"
#include "http/router.h"
#include "net/server.h"
#include "net/tls_context.h"

namespace proof {

namespace {

/// A burst of page loads after a restart must not meet refused or hanging connects.
constexpr int kListenBacklog = 4096;

/// Kernel send buffer of every connection (inherited from the listening socket). With the
/// loop's own per-stream backlog it bounds what a stream that stops reading can pin.
constexpr int kSendBufferBytes = 64 * 1024;

/// Threads that answer complete requests. Handlers are quick (the slowest is a SQLite
/// commit), and no client can hold one: the loop reads requests in full first.
constexpr std::size_t kWorkers = 4;

/// Connections beyond --max-subscribers, so that POSTs, /healthz and /metrics (and the 503
/// for the stream over the cap) are answered however many streams are open.
constexpr std::size_t kSpareConnections = 1024;

/// Open files kept for everything but client connections.
constexpr rlim_t kReservedFiles = 64;

/// Connections one address may hold beyond its streams: page loads, POSTs, the widget.
constexpr std::size_t kSpareConnectionsPerAddress = 64;

}  // namespace

struct HttpServer::Impl {
  Impl(const Settings& s, Hub& h, Metrics& m, Tallies& t, PresenceExchange* p)
      : settings(s), context(s, h, m, t), router(context), presence(p) {}

  const Settings& settings;
  HttpContext context;
  Router router;
  PresenceExchange* presence;
  int listen_fd = -1;
  int port = 0;
  std::unique_ptr<net::TlsContext> tls;
  std::unique_ptr<net::EventLoop> loop;
  std::mutex stop_mutex;
  bool stop_requested = false;
};

HttpServer::HttpServer(const Settings& settings, Hub& hub, Metrics& metrics, Tallies& tallies,
                       PresenceExchange* presence)
    : impl_(std::make_unique<Impl>(settings, hub, metrics, tallies, presence)) {}

HttpServer::~HttpServer() {
  impl_->loop.reset();
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
}

bool HttpServer::bind() {
  Impl& d = *impl_;
  const Settings& s = d.settings;
  if (!s.tls_cert.empty()) {
    std::string error;
    d.tls = net::TlsContext::load(s.tls_cert, s.tls_key, error);
    if (!d.tls) {
      spdlog::error("{}", error);
      return false;
    }
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(s.port);
  if (const int rc = getaddrinfo(s.bind.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    spdlog::error("cannot listen on {}:{}: {}", s.bind, s.port, gai_strerror(rc));
    return false;
  }
  int last_errno = 0;
  for (addrinfo* ai = found; ai && d.listen_fd < 0; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSendBufferBytes, sizeof kSendBufferBytes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, kListenBacklog) == 0) {
      d.listen_fd = fd;
      break;
    }
    last_errno = errno;
    ::close(fd);
  }
  freeaddrinfo(found);
  if (d.listen_fd < 0) {
    spdlog::error("cannot listen on {}:{}: {}", s.bind, s.port, std::strerror(last_errno));
    return false;
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(d.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  d.port = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port);

  net::LoopOptions options;
  options.workers = kWorkers;
  options.max_connections = s.max_subscribers + kSpareConnections;
  // Past the open-file limit accept() would fail and leave the connection queued; below it
  // (with room for the store, the epoll and eventfd, logs) the loop can answer a 503.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur > kReservedFiles) {
    options.max_connections =
        std::min<std::size_t>(options.max_connections, files.rlim_cur - kReservedFiles);
  }
  if (s.max_subscribers_per_ip > 0) {
    options.max_connections_per_address = s.max_subscribers_per_ip + kSpareConnectionsPerAddress;
  }
  options.uncapped_addresses = s.trusted_proxies;
  options.heartbeat = std::chrono::seconds(s.heartbeat_seconds);
  options.presence_interval = std::chrono::seconds(s.presence_interval);
  options.presence_exchange = d.presence;
  options.head_limits.max_body_bytes = limits::kBodyBytes;
  options.tls = d.tls ? d.tls->get() : nullptr;
  options.hsts = s.hsts;
  d.loop = std::make_unique<net::EventLoop>(d.listen_fd, std::move(options), d.router,
                                            d.context.hub, d.context.metrics);
  std::lock_guard lock(d.stop_mutex);
  if (d.stop_requested) d.loop->stop();  // a signal that came before the loop existed
  return true;
}

int HttpServer::port() const {
  return impl_->port;
}

bool HttpServer::run() {
  impl_->loop->run();
  return true;
}

void HttpServer::stop() {
  std::lock_guard lock(impl_->stop_mutex);
  impl_->stop_requested = true;
  if (impl_->loop) impl_->loop->stop();
}

}  // namespace proof
