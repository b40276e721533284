#include "http/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>

#include "core/hub.h"
#include "core/signup.h"
#include "http/context.h"
#include "http/routes.h"
#include "net/worker_pool.h"

namespace proof {

namespace {

/// The library listens with a backlog of 5: a burst of page loads would see refused or
/// hanging connects. Re-listening on the bound socket only raises the queue length.
constexpr int kListenBacklog = 4096;

/// Threads beyond --max-subscribers, so that POSTs, /healthz and /metrics (and the 503 for
/// the stream over the cap) are answered however many streams are open.
constexpr std::size_t kSpareThreads = 256;

/// Kernel send buffer of every connection (inherited from the listening socket). It bounds
/// what a stream that stops reading can pin in memory before the write timeout drops it.
constexpr int kSendBufferBytes = 64 * 1024;

/// Raises the listen backlog of a bound server.
class Backlog {
 public:
  virtual ~Backlog() = default;
  virtual bool widen_backlog(int backlog) = 0;
};

/// Gives access to the listening socket, which cpp-httplib keeps protected; one template
/// serves both the plain and the TLS server.
template <class Base>
class Listener : public Base, public Backlog {
 public:
  using Base::Base;
  bool widen_backlog(int backlog) override { return ::listen(this->svr_sock_, backlog) == 0; }
};

/// An HTTPS server when a certificate and key are configured, plain HTTP otherwise.
std::unique_ptr<httplib::Server> make_server(const Settings& s, Backlog*& backlog) {
  if (!s.tls_cert.empty()) {
    auto tls =
        std::make_unique<Listener<httplib::SSLServer>>(s.tls_cert.c_str(), s.tls_key.c_str());
    backlog = tls.get();
    return tls;
  }
  auto plain = std::make_unique<Listener<httplib::Server>>();
  backlog = plain.get();
  return plain;
}

}  // namespace

struct HttpServer::Impl {
  Impl(const Settings& s, Hub& h, Metrics& m)
      : settings(s),
        context(s, h, m),
        owned_server(make_server(s, backlog)),
        server(*owned_server) {}

  void configure();

  const Settings& settings;
  HttpContext context;
  Backlog* backlog = nullptr;
  std::unique_ptr<httplib::Server> owned_server;
  httplib::Server& server;
  std::shared_ptr<WorkerPool::State> pool_state;
  int port = 0;
  std::atomic<bool> run_over{false};  ///< listen_after_bind() has returned
};

void HttpServer::Impl::configure() {
  WorkerPool::Options pool_options;
  pool_options.max_threads = settings.max_subscribers + kSpareThreads;
  server.new_task_queue = [this, pool_options] {
    auto* pool = new WorkerPool(pool_options);
    pool_state = pool->state();
    return pool;
  };
  // Without it, keep-alive POSTs stall ~40 ms each on Nagle + delayed ACK.
  server.set_tcp_nodelay(true);
  server.set_socket_options([](socket_t sock) {
    const int on = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &kSendBufferBytes, sizeof(kSendBufferBytes));
  });
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(5);    // a half-sent request holds its thread this long at most
  server.set_write_timeout(10);  // a stream that stops reading is dropped after this
  server.set_payload_max_length(limits::kBodyBytes);
  install_routes(server, context);
}

HttpServer::HttpServer(const Settings& settings, Hub& hub, Metrics& metrics)
    : impl_(std::make_unique<Impl>(settings, hub, metrics)) {
  impl_->configure();
}

HttpServer::~HttpServer() = default;

bool HttpServer::bind() {
  auto& server = impl_->server;
  const auto& s = impl_->settings;
  if (!server.is_valid()) {
    spdlog::error("cannot load the TLS certificate {} or key {}", s.tls_cert, s.tls_key);
    return false;
  }
  if (s.port == 0) {
    impl_->port = server.bind_to_any_port(s.bind);
  } else if (server.bind_to_port(s.bind, s.port)) {
    impl_->port = s.port;
  }
  if (impl_->port <= 0) {
    spdlog::error("cannot listen on {}:{}: {}", s.bind, s.port, std::strerror(errno));
    return false;
  }
  if (!impl_->backlog->widen_backlog(kListenBacklog)) {
    spdlog::warn("could not raise the listen backlog: {}", std::strerror(errno));
  }
  return true;
}

int HttpServer::port() const {
  return impl_->port;
}

bool HttpServer::run() {
  impl_->server.listen_after_bind();
  impl_->run_over = true;
  return !impl_->pool_state || WorkerPool::live_threads(*impl_->pool_state) == 0;
}

void HttpServer::stop() {
  impl_->context.hub.stop();
  // cpp-httplib ignores stop() until its accept loop has started: a signal that lands
  // between bind() and run() would be lost and the server would never stop. Wait for the
  // loop (it starts at once after bind) or for run() to have ended.
  while (!impl_->server.is_running() && !impl_->run_over) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
}

}  // namespace proof
