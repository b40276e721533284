#include "http/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "http/auth.h"
#include "http/client_address.h"
#include "http/cors.h"
#include "core/hub.h"
#include "http/admission.h"
#include "core/metrics.h"
#include "core/signup.h"
#include "core/sse.h"
#include "http/static_files.h"
#include "core/text.h"
#include "net/worker_pool.h"

namespace proof {

namespace {

using httplib::Request;
using httplib::Response;
using HandlerResponse = httplib::Server::HandlerResponse;

/// The library listens with a backlog of 5: a burst of page loads would see refused or
/// hanging connects. Re-listening on the bound socket only raises the queue length.
constexpr int kListenBacklog = 4096;

/// Threads beyond --max-subscribers, so that POSTs, /healthz and /metrics (and the 503 for
/// the stream over the cap) are answered however many streams are open.
constexpr std::size_t kSpareThreads = 256;

constexpr const char* kJson = "application/json";

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
    auto tls = std::make_unique<Listener<httplib::SSLServer>>(s.tls_cert.c_str(), s.tls_key.c_str());
    backlog = tls.get();
    return tls;
  }
  auto plain = std::make_unique<Listener<httplib::Server>>();
  backlog = plain.get();
  return plain;
}

/// A uniformly random whole number in [low, high], per thread to avoid a shared lock.
int jitter(int low, int high) {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int>(low, high)(rng);
}

void set_json_error(Response& res, int status, std::string_view message) {
  res.status = status;
  // Messages may quote what the client sent: invalid UTF-8 is replaced, never thrown on.
  res.set_content(nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace) +
                      "\n",
                  kJson);
}

std::string_view default_message(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 408: return "request timeout";
    case 413: return "request body too large";
    case 414: return "URI too long";
    case 416: return "range not satisfiable";
    case 429: return "too many requests";
    case 431: return "request headers too large";
    default: return status >= 500 ? "server error" : "request refused";
  }
}

struct Route {
  std::string_view path;
  std::string_view allow;  ///< methods, as for the Allow header
};

constexpr Route kRoutes[] = {
    {"/events", "GET, OPTIONS"},
    {"/signup", "POST, OPTIONS"},
    {"/healthz", "GET, HEAD"},
    {"/metrics", "GET, HEAD"},
};

const Route* find_route(std::string_view path) {
  for (const Route& route : kRoutes) {
    if (route.path == path) return &route;
  }
  return nullptr;
}

bool method_allowed(const Route& route, std::string_view method) {
  std::string_view allow = route.allow;
  while (!allow.empty()) {
    const std::size_t comma = allow.find(',');
    if (text::trim(allow.substr(0, comma)) == method) return true;
    if (comma == std::string_view::npos) break;
    allow.remove_prefix(comma + 1);
  }
  return false;
}

/// One open event stream: where it is in the history and when it last spoke.
class Stream {
 public:
  Stream(Hub& hub, Metrics& metrics, std::uint64_t cursor, std::string opening,
         std::size_t opening_events, std::chrono::seconds heartbeat)
      : hub_(hub),
        metrics_(metrics),
        cursor_(cursor),
        opening_(std::move(opening)),
        opening_events_(opening_events),
        heartbeat_(heartbeat),
        next_heartbeat_(std::chrono::steady_clock::now() + heartbeat) {}

  /// cpp-httplib's content provider: writes what is due, blocking until something is.
  /// Returning false ends the stream.
  bool pump(httplib::DataSink& sink) {
    if (!opening_.empty()) {
      const std::string opening = std::move(opening_);
      opening_.clear();
      return send(sink, opening, opening_events_);
    }
    for (;;) {
      if (hub_.stopping()) {
        // End the chunked body properly: the browser sees a clean end of stream (and
        // reconnects) rather than a truncated response.
        sink.done();
        return true;
      }
      const std::uint32_t generation = hub_.generation();
      bool missed = false;
      const auto events = hub_.next(cursor_, missed);
      if (missed) {
        // Skipping events silently would break "every event reaches every page"; ending
        // the stream makes the browser reconnect and resume from the history instead.
        metrics_.dropped();
        spdlog::warn("dropped a stream that fell more than the live buffer behind");
        return false;
      }
      if (!events.empty()) {
        cursor_ = events.back()->id;
        next_heartbeat_ = std::chrono::steady_clock::now() + heartbeat_;
        if (events.size() == 1) return send(sink, events.front()->frame, 1);
        std::string batch;
        for (const auto& event : events) batch += event->frame;
        return send(sink, batch, events.size());
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_heartbeat_) {
        next_heartbeat_ = now + heartbeat_;
        return send(sink, sse::heartbeat(), 0);
      }
      hub_.wait(generation,
                std::chrono::ceil<std::chrono::milliseconds>(next_heartbeat_ - now));
    }
  }

 private:
  bool send(httplib::DataSink& sink, std::string_view data, std::size_t events) {
    // write() returning false is the only disconnect signal that every cpp-httplib
    // release gives: the client went away, or stopped reading past the write timeout.
    if (!sink.write(data.data(), data.size())) {
      metrics_.dropped();
      return false;
    }
    if (events > 0) metrics_.delivered(events);
    return true;
  }

  Hub& hub_;
  Metrics& metrics_;
  std::uint64_t cursor_;
  std::string opening_;
  std::size_t opening_events_;
  std::chrono::seconds heartbeat_;
  std::chrono::steady_clock::time_point next_heartbeat_;
};

}  // namespace

struct HttpServer::Impl {
  Impl(const Settings& s, Hub& h, Metrics& m)
      : settings(s),
        hub(h),
        metrics(m),
        origins(s.allowed_origins),
        files(s.public_dir),
        publish_rate(s.max_publish_rate, s.max_publish_rate),
        address_slots(s.max_subscribers_per_ip),
        owned_server(make_server(s, backlog)),
        server(*owned_server) {}

  void configure();
  HandlerResponse pre_route(const Request& req, Response& res);
  void serve_static(const Request& req, Response& res);
  void handle_signup(const Request& req, Response& res);
  void handle_events(const Request& req, Response& res);
  void reject(const Request& req, Response& res, int status, RejectReason reason,
              std::string_view message);

  const Settings& settings;
  Hub& hub;
  Metrics& metrics;
  OriginPolicy origins;
  StaticFiles files;
  RateLimiter publish_rate;
  AddressSlots address_slots;
  Backlog* backlog = nullptr;
  std::unique_ptr<httplib::Server> owned_server;
  httplib::Server& server;
  std::shared_ptr<WorkerPool::State> pool_state;
  int port = 0;
  std::atomic<bool> run_over{false};  ///< listen_after_bind() has returned
};

void HttpServer::Impl::reject(const Request& req, Response& res, int status, RejectReason reason,
                              std::string_view message) {
  metrics.rejected(reason);
  spdlog::warn("rejected {} {} from {}: {} {} ({})", text::printable(req.method),
               text::printable(req.path), req.remote_addr, status, reason_label(reason),
               text::printable(message));
  set_json_error(res, status, message);
}

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

  server.set_pre_routing_handler(
      [this](const Request& req, Response& res) { return pre_route(req, res); });
  server.set_error_handler([this](const Request& req, Response& res) {
    if (res.status == 413) {
      metrics.rejected(RejectReason::kTooLarge);
      spdlog::warn("rejected {} {} from {}: 413 too_large", text::printable(req.method),
                   text::printable(req.path), req.remote_addr);
    }
    if (res.body.empty()) {
      std::string message(default_message(res.status));
      if (res.status == 413) message += " (limit " + std::to_string(limits::kBodyBytes) + " bytes)";
      set_json_error(res, res.status, message);
    }
  });
  server.set_exception_handler([this](const Request& req, Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {} failed: {}", text::printable(req.method), text::printable(req.path), what);
    set_json_error(res, 500, "internal error");
  });
  server.set_logger([](const Request& req, const Response& res) {
    spdlog::debug("{} {} {} from {}", text::printable(req.method), text::printable(req.path),
                  res.status, req.remote_addr);
  });

  server.Post("/signup", [this](const Request& req, Response& res) { handle_signup(req, res); });
  server.Get("/events", [this](const Request& req, Response& res) { handle_events(req, res); });
  server.Get("/healthz", [](const Request&, Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content("{\"status\":\"ok\"}\n", kJson);
  });
  server.Get("/metrics", [this](const Request&, Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(metrics.render(hub.subscribers()), "text/plain; version=0.0.4; charset=utf-8");
  });
  const auto preflight = [](const Request&, Response& res) {
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    res.set_header("Access-Control-Allow-Headers",
                   "Content-Type, Authorization, X-API-Key, Last-Event-ID");
    res.set_header("Access-Control-Max-Age", "600");
  };
  server.Options("/signup", preflight);
  server.Options("/events", preflight);
}

HandlerResponse HttpServer::Impl::pre_route(const Request& req, Response& res) {
  const std::string origin = req.get_header_value("Origin");
  res.set_header("Vary", "Origin");
  switch (origins.check(origin, req.get_header_value("Host"))) {
    case OriginPolicy::Verdict::kRefused:
      reject(req, res, 403, RejectReason::kOrigin,
             "origin " + origin + " is not allowed; the operator can add it with --allowed-origin");
      return HandlerResponse::Handled;
    case OriginPolicy::Verdict::kAllowed:
      res.set_header("Access-Control-Allow-Origin", origin);
      break;
    case OriginPolicy::Verdict::kNoOrigin:
    case OriginPolicy::Verdict::kSameOrigin:
      break;
  }
  if (const Route* route = find_route(req.path)) {
    if (method_allowed(*route, req.method)) return HandlerResponse::Unhandled;
    res.set_header("Allow", std::string(route->allow));
    reject(req, res, 405, RejectReason::kMethod,
           std::string(req.path) + " accepts " + std::string(route->allow));
    return HandlerResponse::Handled;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    reject(req, res, 405, RejectReason::kMethod, "static files accept GET and HEAD");
    return HandlerResponse::Handled;
  }
  serve_static(req, res);
  return HandlerResponse::Handled;
}

void HttpServer::Impl::serve_static(const Request& req, Response& res) {
  // cpp-httplib answers each listed range in one multipart body: a 9 KB header asking for
  // the same bytes 2,000 times would make a small request a large answer.
  if (req.ranges.size() > 1) {
    reject(req, res, 416, RejectReason::kBadRequest, "only a single byte range is served");
    return;
  }
  const auto file = files.load(req.path);
  if (!file) {
    reject(req, res, 404, RejectReason::kNotFound, "no such file: " + req.path);
    return;
  }
  // Text files may be sent compressed, so caches must key on Accept-Encoding too.
  res.headers.erase("Vary");
  res.set_header("Vary", "Origin, Accept-Encoding");
  res.set_header("ETag", file->etag);
  res.set_header("Last-Modified", file->last_modified);
  // Short max-age: a new proof.js reaches visitors within minutes; validators make the
  // re-check cheap.
  res.set_header("Cache-Control", "public, max-age=300");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (StaticFiles::not_modified(*file, req.get_header_value("If-None-Match"),
                                req.get_header_value("If-Modified-Since"))) {
    res.status = 304;
    return;
  }
  res.set_content(file->body, file->content_type);
}

void HttpServer::Impl::handle_signup(const Request& req, Response& res) {
  const std::string type = text::ascii_lower(req.get_header_value("Content-Type"));
  const auto is = [&](std::string_view prefix) { return type.rfind(prefix, 0) == 0; };
  Outcome<Fields> parsed;
  if (is("application/json")) {
    parsed = parse_json(req.body);
  } else if (type.empty() || is("application/x-www-form-urlencoded")) {
    parsed = parse_form(req.body);
  } else if (is("multipart/form-data")) {
    Fields fields;
    for (const auto& [name, part] : req.files) fields.emplace(name, part.content);
    parsed = std::move(fields);
  } else {
    reject(req, res, 415, RejectReason::kUnsupportedMediaType,
           "send application/x-www-form-urlencoded, multipart/form-data or application/json");
    return;
  }
  if (const auto* rejection = std::get_if<Rejection>(&parsed)) {
    reject(req, res, 400, reason_from_label(rejection->reason), rejection->message);
    return;
  }
  const Fields& fields = std::get<Fields>(parsed);
  std::string key =
      key_from_headers(req.get_header_value("Authorization"), req.get_header_value("X-API-Key"));
  if (key.empty()) {
    if (const auto it = fields.find("api_key"); it != fields.end()) key = it->second;
  }
  if (!keys_equal(settings.api_key, key)) {
    reject(req, res, 401, RejectReason::kUnauthorized,
           key.empty() ? "missing API key" : "wrong API key");
    return;
  }
  // After the key check, so that strangers cannot use up the publisher's allowance.
  if (const auto wait = publish_rate.acquire(std::chrono::steady_clock::now())) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(*wait).count();
    res.set_header("Retry-After", std::to_string(std::max<long long>(1, seconds)));
    reject(req, res, 429, RejectReason::kRateLimited,
           "more than " + std::to_string(settings.max_publish_rate) +
               " signups per second; retry later");
    return;
  }
  auto validated = validate(fields);
  if (const auto* rejection = std::get_if<Rejection>(&validated)) {
    reject(req, res, 400, reason_from_label(rejection->reason), rejection->message);
    return;
  }
  EventPtr event;
  try {
    event = hub.publish(std::move(std::get<Signup>(validated)));
  } catch (const StoreError& e) {
    spdlog::error("could not store a signup: {}", e.what());
    res.set_header("Retry-After", "5");
    set_json_error(res, 503, "could not store the event; nothing was broadcast");
    return;
  }
  metrics.published();
  spdlog::info("published event {} from {}", event->id, req.remote_addr);
  spdlog::debug("event {}: {}", event->id, event->json);
  res.status = 202;
  res.set_content(nlohmann::json{{"id", event->id}}.dump() + "\n", kJson);
}

void HttpServer::Impl::handle_events(const Request& req, Response& res) {
  if (req.get_header_value_count("Last-Event-ID") > 1) {
    reject(req, res, 400, RejectReason::kBadRequest, "Last-Event-ID given more than once");
    return;
  }
  std::string resume_raw = req.get_header_value("Last-Event-ID");
  for (const char* name : {"lastEventId", "last_event_id"}) {
    if (resume_raw.empty() && req.has_param(name)) resume_raw = req.get_param_value(name);
  }
  std::optional<std::uint64_t> resume;
  if (!resume_raw.empty()) {
    resume = sse::parse_event_id(resume_raw);
    if (!resume) {
      reject(req, res, 400, RejectReason::kBadRequest, "Last-Event-ID must be a decimal event id");
      return;
    }
  }
  std::size_t replay = 0;
  if (req.has_param("replay")) {
    const auto count = sse::parse_count(req.get_param_value("replay"), settings.history);
    if (!count) {
      reject(req, res, 400, RejectReason::kBadRequest, "replay must be a whole number");
      return;
    }
    replay = *count;
  }
  std::string address = client_address(req.remote_addr, req.get_header_value("X-Forwarded-For"),
                                       settings.trusted_proxies);
  if (!address_slots.acquire(address)) {
    res.set_header("Retry-After", std::to_string(jitter(5, 15)));
    reject(req, res, 429, RejectReason::kAddressCap,
           "too many streams from one address; retry later");
    return;
  }
  if (!hub.try_subscribe()) {
    address_slots.release(address);
    // Spread the retries of a crowd over time rather than have it come back at once.
    res.set_header("Retry-After", std::to_string(jitter(5, 15)));
    reject(req, res, 503, RejectReason::kSubscriberCap, "too many subscribers; retry later");
    return;
  }

  std::vector<EventPtr> pending;
  std::uint64_t cursor = 0;
  if (resume) {
    pending = hub.resume(*resume);
    // An id above any this server has issued (a forged one, or a server whose clock went
    // back across a restart without --data-dir) must not mute the stream until then.
    cursor = pending.empty() ? std::min(*resume, hub.last_id()) : pending.back()->id;
  } else {
    auto start = hub.start(replay);
    pending = std::move(start.replay);
    cursor = start.cursor;
  }
  // The browser's reconnect delay, jittered so a restart is not met by every page at once.
  std::string opening = sse::format_retry(std::chrono::milliseconds(jitter(2000, 5000)));
  for (const auto& event : pending) opening += event->frame;

  auto stream = std::make_shared<Stream>(hub, metrics, cursor, std::move(opening), pending.size(),
                                         std::chrono::seconds(settings.heartbeat_seconds));
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      sse::kContentType,
      [stream](std::size_t, httplib::DataSink& sink) { return stream->pump(sink); },
      [this, address = std::move(address)](bool) {
        hub.unsubscribe();
        address_slots.release(address);
      });
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

int HttpServer::port() const { return impl_->port; }

bool HttpServer::run() {
  impl_->server.listen_after_bind();
  impl_->run_over = true;
  return !impl_->pool_state || WorkerPool::live_threads(*impl_->pool_state) == 0;
}

void HttpServer::stop() {
  impl_->hub.stop();
  // cpp-httplib ignores stop() until its accept loop has started: a signal that lands
  // between bind() and run() would be lost and the server would never stop. Wait for the
  // loop (it starts at once after bind) or for run() to have ended.
  while (!impl_->server.is_running() && !impl_->run_over) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
}

}  // namespace proof
