#include "http/http_server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <variant>

#include "core/hub.h"
#include "core/signup.h"
#include "core/utc.h"
#include "http/context.h"
#include "http/plain_port.h"
#include "http/router.h"
#include "http/routes.h"
#include "net/listen.h"
#include "net/server.h"
#include "net/tls_context.h"

namespace proof::http {

namespace {

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
  Impl(const HttpOptions& s, core::Hub& h, core::Metrics& m, core::Tallies& t, core::KeyStore& k,
       core::Experiment& e, core::PresenceExchange* p)
      : options(s), context(s, h, m, t, k, e), router(context), presence(p) {}

  const HttpOptions& options;
  HttpContext context;
  Router router;
  core::PresenceExchange* presence;
  int listen_fd = -1;
  int port = 0;
  int plain_fd = -1;  ///< --http-port's socket, beside HTTPS
  std::unique_ptr<net::TlsContext> tls;
  std::unique_ptr<PlainPort> plain;
  std::unique_ptr<net::EventLoop> loop;
  std::mutex state_mutex;  ///< guards stop_requested, and `tls` while bind() sets it
  bool stop_requested = false;
};

HttpServer::HttpServer(const HttpOptions& options, core::Hub& hub, core::Metrics& metrics,
                       core::Tallies& tallies, core::KeyStore& keys, core::Experiment& experiment,
                       core::PresenceExchange* presence)
    : impl_(std::make_unique<Impl>(options, hub, metrics, tallies, keys, experiment, presence)) {}

HttpServer::~HttpServer() {
  impl_->loop.reset();
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  if (impl_->plain_fd >= 0) ::close(impl_->plain_fd);
}

bool HttpServer::bind() {
  Impl& d = *impl_;
  const HttpOptions& s = d.options;
  if (!s.tls_cert.empty()) {
    std::string error;
    auto tls = net::TlsContext::load(s.tls_cert, s.tls_key, error);
    if (!tls) {
      spdlog::error("{}", error);
      return false;
    }
    // Under the lock reload_tls() takes: a SIGHUP may come at any moment.
    std::lock_guard lock(d.state_mutex);
    d.tls = std::move(tls);
  }
  auto listening = net::listen(s.bind, s.port);
  if (const auto* error = std::get_if<net::ListenError>(&listening)) {
    spdlog::error("{}", error->message(s.bind, s.port));
    return false;
  }
  d.listen_fd = std::get<net::Listening>(listening).fd;
  d.port = std::get<net::Listening>(listening).port;
  std::vector<net::Listener> listeners(1);
  listeners[0].fd = d.listen_fd;
  listeners[0].handler = &d.router;
  listeners[0].head_limits.max_body_bytes = core::limits::kBodyBytes;
  listeners[0].head_limits.policy = &d.router.policy();
  listeners[0].tls = d.tls.get();
  listeners[0].on_refused = [&ctx = d.context](std::string_view target,
                                               const core::Refusal& refusal) {
    // A refused delivery (too large, compressed) is one its platform sent: the Sources
    // panel shows it.
    if (refusal.status != 413 && refusal.status != 415) return;
    const RouteMatch found = find_route("POST", target.substr(0, target.find('?')));
    if (found.route == nullptr || found.route->auth != Auth::signature) return;
    if (ctx.receiver(found.id) == nullptr) return;
    ctx.deliveries.record({sources::Clock::now(),
                           found.id,
                           refusal.status == 413 ? sources::DeliveryOutcome::kTooLarge
                                                 : sources::DeliveryOutcome::kMalformed,
                           refusal.message,
                           {},
                           0});
  };
  d.context.tls = d.tls.get();
  if (d.tls && s.http_port != 0) {
    auto plain = net::listen(s.bind, s.http_port);
    if (const auto* error = std::get_if<net::ListenError>(&plain)) {
      spdlog::error("--http-port: {}", error->message(s.bind, s.http_port));
      return false;
    }
    d.plain_fd = std::get<net::Listening>(plain).fd;
    d.plain = std::make_unique<PlainPort>(s.acme_webroot, d.port, d.context.metrics);
    // The usual body limit and lane for every request: nothing here takes a large body.
    net::Listener& listener = listeners.emplace_back();
    listener.fd = d.plain_fd;
    listener.handler = d.plain.get();
    listener.head_limits.max_body_bytes = core::limits::kBodyBytes;
  }

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
  options.hsts = s.hsts;
  d.loop = std::make_unique<net::EventLoop>(std::move(listeners), std::move(options), d.context.hub,
                                            d.context.metrics);
  std::lock_guard lock(d.state_mutex);
  if (d.stop_requested) d.loop->stop();  // a signal that came before the loop existed
  return true;
}

int HttpServer::port() const {
  return impl_->port;
}

bool HttpServer::reload_tls() {
  Impl& d = *impl_;
  std::lock_guard lock(d.state_mutex);
  if (!d.tls) {
    spdlog::info("reload: no --tls-cert, so no certificate to load again");
    return false;
  }
  std::string error;
  if (!d.tls->reload(error)) {
    spdlog::error("reload: kept the TLS certificate in use: {}", error);
    return false;
  }
  spdlog::info("reload: new connections get the TLS certificate in {}, valid until {}",
               d.tls->cert_file(), core::utc_text(d.tls->expires_at()));
  return true;
}

void HttpServer::run() {
  impl_->loop->run();
}

void HttpServer::stop() {
  std::lock_guard lock(impl_->state_mutex);
  impl_->stop_requested = true;
  if (impl_->loop) impl_->loop->stop();
}

}  // namespace proof::http
