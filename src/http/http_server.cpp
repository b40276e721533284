#include "http/http_server.h"

#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "core/error_text.h"
#include "core/hub.h"
#include "core/signup.h"
#include "http/context.h"
#include "http/router.h"
#include "net/server.h"
#include "net/tls_context.h"

namespace proof {

namespace {

/// Where the verified sources post, and only they may send a body over limits::kBodyBytes.
constexpr std::string_view kHooksPrefix = "/hooks/";

/// GET /events (routes.cpp): its handshakes queue for the workers apart from other requests.
constexpr std::string_view kStreamPath = "/events";

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
  Impl(const HttpOptions& s, Hub& h, Metrics& m, Tallies& t, KeyStore& k, PresenceExchange* p)
      : options(s), context(s, h, m, t, k), router(context), presence(p) {}

  const HttpOptions& options;
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

HttpServer::HttpServer(const HttpOptions& options, Hub& hub, Metrics& metrics, Tallies& tallies,
                       KeyStore& keys, PresenceExchange* presence)
    : impl_(std::make_unique<Impl>(options, hub, metrics, tallies, keys, presence)) {}

HttpServer::~HttpServer() {
  impl_->loop.reset();
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
}

bool HttpServer::bind() {
  Impl& d = *impl_;
  const HttpOptions& s = d.options;
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
    spdlog::error("cannot listen on {}:{}: {}", s.bind, s.port, error_text(last_errno));
    return false;
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(d.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  d.port = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port);

  net::LoopOptions options;
  options.threads = s.threads;
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
  options.stream_prefix = kStreamPath;
  options.head_limits.max_body_bytes = limits::kBodyBytes;
  // Signed webhooks: a real order with a long cart runs to hundreds of KB.
  options.head_limits.large_body_prefix = kHooksPrefix;
  options.head_limits.max_large_body_bytes = sources::kMaxDeliveryBytes;
  options.on_refused = [&ctx = d.context](std::string_view target, const Refusal& refusal) {
    // A 413 for a delivery is a delivery its platform sent: the Sources panel shows it.
    if (refusal.status != 413 || !target.starts_with(kHooksPrefix)) return;
    std::string_view source = target.substr(kHooksPrefix.size());
    source = source.substr(0, source.find_first_of("/?"));
    if (ctx.receiver(source) == nullptr) return;
    ctx.deliveries.record({sources::Clock::now(),
                           std::string(source),
                           sources::DeliveryOutcome::kTooLarge,
                           refusal.message,
                           {},
                           0});
  };
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

void HttpServer::run() {
  impl_->loop->run();
}

void HttpServer::stop() {
  std::lock_guard lock(impl_->stop_mutex);
  impl_->stop_requested = true;
  if (impl_->loop) impl_->loop->stop();
}

}  // namespace proof
