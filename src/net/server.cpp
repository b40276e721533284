#include "net/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "core/log_throttle.h"
#include "core/refusal.h"
#include "core/sse.h"
#include "net/connection.h"
#include "net/fanout.h"
#include "net/worker_pool.h"

namespace proof::net {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxEvents = 256;
/// How often timeouts and heartbeats are looked at.
constexpr std::chrono::milliseconds kTick{250};
/// After the last answer to a client that is still sending: read and drop for this long,
/// so the answer is not lost to a reset (nginx's lingering close).
constexpr std::chrono::milliseconds kLinger{2000};
/// epoll data: the connection's fd in the low bits, its serial above, so an event for a
/// closed connection is never taken for a new one that got the same fd.
constexpr int kFdBits = 24;
constexpr std::uint64_t kListenTag = ~std::uint64_t{0};
constexpr std::uint64_t kWakeTag = ~std::uint64_t{0} - 1;

std::uint64_t tag(const Connection& c) {
  return (c.serial() << kFdBits) | static_cast<std::uint64_t>(c.fd());
}

std::string address_of(const sockaddr_storage& addr, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    port = ntohs(in.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    port = ntohs(in6.sin6_port);
  }
  return text;
}

RejectReason reason_for(int status) {
  switch (status) {
    case 408:
      return RejectReason::kTimeout;
    case 413:
    case 414:
    case 431:
      return RejectReason::kTooLarge;
    default:
      return RejectReason::kBadRequest;
  }
}

/// A complete answer written by the loop itself, for what never reaches a worker: the same
/// body and headers as the HTTP layer's refusals (core/refusal.h), and the connection ends.
std::string refusal_bytes(const Refusal& refusal) {
  const std::string body = refusal_body(refusal.message);
  std::string out =
      "HTTP/1.1 " + std::to_string(refusal.status) + " " +
      std::string(status_phrase(refusal.status)) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n";
  if (refusal.retry_after > 0) {
    out += "Retry-After: " + std::to_string(refusal.retry_after) + "\r\n";
  }
  out += "\r\n" + body;
  return out;
}

struct Completion {
  int fd;
  std::uint64_t serial;
  Answer answer;
};

}  // namespace

struct EventLoop::Impl {
  Impl(int listen, LoopOptions o, RequestHandler& h, Hub& hb, Metrics& m)
      : listen_fd(listen),
        options(std::move(o)),
        handler(h),
        hub(hb),
        metrics(m),
        fanout(hb, m, options.heartbeat, options.presence_interval),
        pool(options.workers) {}

  void run();
  void accept_all(Clock::time_point now);
  void on_event(Connection& c, std::uint32_t events, Clock::time_point now);
  void on_readable(Connection& c, Clock::time_point now);
  void process_input(Connection& c, Clock::time_point now);
  /// Bytes `c` may buffer: a request head, its body and one pipelined after it.
  std::size_t read_limit(const Connection& c) const;
  /// A body over the usual limit (only /hooks/ may send one) takes one of
  /// LoopOptions::max_large_bodies places while it arrives; false (refused) when none is free.
  bool admit_large_body(Connection& c);
  void release_large_body(Connection& c);
  void dispatch(Connection& c, std::size_t total);
  void complete(Completion& done, Clock::time_point now);
  void start_stream(Connection& c, StreamOpening& opening, Clock::time_point now);
  void refuse(Connection& c, const Refusal& refusal);
  void after_write(Connection& c, Connection::Io io, Clock::time_point now);
  void begin_linger(Connection& c, Clock::time_point now);
  void drop_stream(Connection& c);
  void close(Connection& c);
  void tick(Clock::time_point now);
  void shutdown();
  Connection* find(int fd, std::uint64_t serial);

  int listen_fd;
  LoopOptions options;
  RequestHandler& handler;
  Hub& hub;
  Metrics& metrics;
  Fanout fanout;
  WorkerPool pool;
  std::uint64_t posted_presence = 0;  ///< the local_version() last posted to the exchange

  int epoll_fd = -1;
  int wake_fd = -1;
  std::vector<std::unique_ptr<Connection>> connections;  ///< by fd
  std::size_t open = 0;
  std::unordered_map<std::string, std::size_t> per_address;
  std::uint64_t next_serial = 1;
  std::size_t large_bodies = 0;  ///< connections reading a body over the usual limit
  std::vector<Subscriber*> dropped;

  std::mutex done_mutex;
  std::vector<Completion> done;  ///< answers from workers, for the loop to write
  std::atomic<bool> publish_pending{false};
  std::atomic<bool> stopping{false};
};

EventLoop::EventLoop(int listen_fd, LoopOptions options, RequestHandler& handler, Hub& hub,
                     Metrics& metrics)
    : impl_(std::make_unique<Impl>(listen_fd, std::move(options), handler, hub, metrics)) {
  Impl& d = *impl_;
  d.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  d.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d.epoll_fd < 0 || d.wake_fd < 0) throw std::runtime_error(std::strerror(errno));
  fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenTag;
  epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev);
  ev.data.u64 = kWakeTag;
  epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, d.wake_fd, &ev);
  // A publish (on a worker, or the Redis reader) wakes the loop; the loop reads the hub.
  hub.set_listener([&d] {
    if (!d.publish_pending.exchange(true)) {
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto n = ::write(d.wake_fd, &one, sizeof one);
    }
  });
}

EventLoop::~EventLoop() {
  impl_->hub.set_listener(nullptr);
  impl_->pool.shutdown();
  impl_->connections.clear();
  if (impl_->epoll_fd >= 0) ::close(impl_->epoll_fd);
  if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
}

void EventLoop::run() {
  impl_->run();
}

void EventLoop::stop() {
  impl_->stopping = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(impl_->wake_fd, &one, sizeof one);
}

void EventLoop::Impl::run() {
  epoll_event events[kMaxEvents];
  auto next_tick = Clock::now() + kTick;
  while (!stopping) {
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_tick - Clock::now());
    const int n = epoll_wait(epoll_fd, events, kMaxEvents,
                             static_cast<int>(std::max<std::int64_t>(0, wait.count())));
    if (n < 0 && errno != EINTR) {
      spdlog::error("epoll_wait: {}", std::strerror(errno));
      break;
    }
    const auto now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t data = events[i].data.u64;
      if (data == kListenTag) {
        accept_all(now);
      } else if (data == kWakeTag) {
        std::uint64_t count;
        [[maybe_unused]] const auto r = ::read(wake_fd, &count, sizeof count);
      } else {
        const int fd = static_cast<int>(data & ((std::uint64_t{1} << kFdBits) - 1));
        if (Connection* c = find(fd, data >> kFdBits)) on_event(*c, events[i].events, now);
      }
    }
    // Answers first, then events: a stream admitted in this round is caught up by join().
    std::vector<Completion> finished;
    {
      std::lock_guard lock(done_mutex);
      finished.swap(done);
    }
    for (auto& completion : finished) complete(completion, now);
    if (publish_pending.exchange(false)) {
      fanout.publish(now, dropped);
      for (Subscriber* s : dropped) drop_stream(*static_cast<Connection*>(s->sink));
      dropped.clear();
    }
    if (now >= next_tick) {
      tick(now);
      next_tick = now + kTick;
    }
  }
  shutdown();
}

Connection* EventLoop::Impl::find(int fd, std::uint64_t serial) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= connections.size()) return nullptr;
  Connection* c = connections[static_cast<std::size_t>(fd)].get();
  return c && c->serial() == serial ? c : nullptr;
}

void EventLoop::Impl::accept_all(Clock::time_point now) {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd =
        accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        spdlog::warn("accept: {}", std::strerror(errno));
      }
      return;
    }
    Peer peer;
    peer.ip = address_of(addr, peer.port);
    const auto refuse_now = [&](const Refusal& refusal) {
      metrics.rejected(refusal.reason);
      const std::string bytes = refusal_bytes(refusal);
      [[maybe_unused]] const auto n =
          ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
    };
    if (open >= options.max_connections ||
        static_cast<std::size_t>(fd) >= (std::size_t{1} << kFdBits)) {
      refuse_now({.status = 503,
                  .reason = RejectReason::kSubscriberCap,
                  .message = "too many connections; retry later",
                  .retry_after = 5});
      continue;
    }
    std::string address_key;
    if (options.max_connections_per_address > 0 &&
        std::find(options.uncapped_addresses.begin(), options.uncapped_addresses.end(), peer.ip) ==
            options.uncapped_addresses.end()) {
      if (per_address[peer.ip] >= options.max_connections_per_address) {
        refuse_now({.status = 429,
                    .reason = RejectReason::kAddressCap,
                    .message = "too many connections from one address; retry later",
                    .retry_after = 5});
        continue;
      }
      address_key = peer.ip;
      ++per_address[address_key];
    }
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
      peer.local_ip = address_of(local, peer.local_port);
    }
    SSL* ssl = nullptr;
    if (options.tls) {
      ssl = SSL_new(options.tls);
      SSL_set_fd(ssl, fd);
      SSL_set_accept_state(ssl);
    }
    auto c = std::make_unique<Connection>(fd, next_serial++, std::move(peer), ssl,
                                          options.stream_backlog, options.head_limits);
    c->address_key = std::move(address_key);
    c->deadline = now + options.request_timeout;
    c->last_progress = now;
    if (!c->watch(epoll_fd, tag(*c))) {
      spdlog::warn("epoll_ctl: {}", std::strerror(errno));
      if (!c->address_key.empty()) --per_address[c->address_key];
      continue;
    }
    if (connections.size() <= static_cast<std::size_t>(fd)) {
      connections.resize(static_cast<std::size_t>(fd) + 1024);
    }
    connections[static_cast<std::size_t>(fd)] = std::move(c);
    ++open;
  }
}

void EventLoop::Impl::on_event(Connection& c, std::uint32_t events, Clock::time_point now) {
  if (c.state == Connection::State::handshake) {
    const auto io = c.handshake();
    if (io == Connection::Io::closed) return close(c);
    if (io == Connection::Io::again) return;
    c.state = Connection::State::reading;
  }
  if (c.has_output() && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    after_write(c, c.flush(), now);
    if (!find(c.fd(), c.serial())) return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c, now);
}

void EventLoop::Impl::on_readable(Connection& c, Clock::time_point now) {
  using State = Connection::State;
  if (c.state == State::streaming || c.state == State::lingering) {
    // Nothing a stream's client sends means anything; only its end does.
    if (c.discard_available() == Connection::Io::closed) {
      if (c.state == State::streaming) metrics.dropped();
      close(c);
    }
    return;
  }
  const int fd = c.fd();
  const std::uint64_t serial = c.serial();
  for (;;) {
    const bool was_empty = c.in.empty();
    const std::size_t limit = read_limit(c);
    c.read_paused = false;
    if (c.read_available(limit) == Connection::Io::closed) c.peer_closed = true;
    if (was_empty && !c.in.empty() && c.state == State::reading) {
      c.deadline = now + options.request_timeout;
    }
    if (c.state != State::reading) return;
    process_input(c, now);
    // A head read within the small limit may allow a large body (/hooks/): with the socket
    // edge-triggered, what it still holds must be read now, not at the next event.
    if (!find(fd, serial) || c.state != State::reading || !c.read_paused ||
        read_limit(c) <= limit) {
      return;
    }
  }
}

std::size_t EventLoop::Impl::read_limit(const Connection& c) const {
  const HeadLimits& limits = options.head_limits;
  // Room for the request and one pipelined behind it, bodies in chunked framing included.
  const std::size_t body = c.head ? c.head->max_body_bytes : limits.max_body_bytes;
  return limits.max_head_bytes + 2 * std::max(body, limits.max_body_bytes) + 1024;
}

bool EventLoop::Impl::admit_large_body(Connection& c) {
  const RequestHead& head = *c.head;
  const bool large = head.max_body_bytes > options.head_limits.max_body_bytes &&
                     (head.chunked || head.content_length > options.head_limits.max_body_bytes);
  if (!large || c.large_body) return true;
  if (large_bodies >= options.max_large_bodies) {
    refuse(c, {.status = 503,
               .reason = RejectReason::kUnavailable,
               .message = "too many large request bodies arriving at once; retry later",
               .retry_after = 1});
    return false;
  }
  ++large_bodies;
  c.large_body = true;
  return true;
}

void EventLoop::Impl::release_large_body(Connection& c) {
  if (!c.large_body) return;
  c.large_body = false;
  --large_bodies;
}

void EventLoop::Impl::process_input(Connection& c, Clock::time_point now) {
  while (c.state == Connection::State::reading) {
    if (c.in.empty()) {
      if (c.peer_closed) return close(c);
      c.deadline = now + options.keep_alive_timeout;
      return;
    }
    if (!c.head) {
      // The parser keeps its place, so a head trickled in line by line costs linear time.
      auto result = c.head_parser.parse(c.in);
      if (std::holds_alternative<std::monostate>(result)) {
        if (c.peer_closed) return close(c);
        return;
      }
      if (auto* error = std::get_if<HeadError>(&result)) {
        return refuse(c, {error->status, reason_for(error->status), error->message});
      }
      c.head = std::move(std::get<RequestHead>(result));
      c.http10 = c.head->minor_version == 0;
      c.close_after = !c.head->keep_alive;
      if (!admit_large_body(c)) return;
      if (c.head->chunked) c.chunked_body.emplace(c.head->max_body_bytes);
    }
    std::size_t total = 0;
    const std::size_t head_bytes = c.head->head_bytes;
    if (c.chunked_body) {
      const std::size_t start = head_bytes + c.body_scanned;
      if (c.in.size() > start) {
        c.body_scanned += c.chunked_body->feed(std::string_view(c.in).substr(start));
      }
      if (c.chunked_body->state() == ChunkedBodyScanner::State::error) {
        const HeadError& error = c.chunked_body->error();
        return refuse(c, {error.status, reason_for(error.status), error.message});
      }
      if (c.chunked_body->state() == ChunkedBodyScanner::State::done) {
        total = head_bytes + c.body_scanned;
      }
    } else if (c.in.size() >= head_bytes + c.head->content_length) {
      total = head_bytes + c.head->content_length;
    }
    if (total == 0) {
      if (c.peer_closed) return close(c);
      if (c.head->expect_continue && !c.continue_sent) {
        c.continue_sent = true;
        c.queue("HTTP/1.1 100 Continue\r\n\r\n");
        after_write(c, c.flush(), now);
      }
      return;
    }
    dispatch(c, total);
  }
}

void EventLoop::Impl::dispatch(Connection& c, std::size_t total) {
  // Empty lines before a request line are allowed and skipped (RFC 9112 2.2); cpp-httplib
  // would take one for a request of its own.
  const std::size_t skip = c.head->leading_blank_bytes;
  auto bytes = std::make_shared<std::string>(c.in, skip, total - skip);
  c.in.erase(0, total);
  release_large_body(c);
  c.head_parser.reset();
  c.head.reset();
  c.chunked_body.reset();
  c.body_scanned = 0;
  c.continue_sent = false;
  c.state = Connection::State::dispatched;
  c.deadline = Clock::now() + options.answer_timeout;
  Request request;
  request.remote_ip = c.peer().ip;
  request.remote_port = c.peer().port;
  request.local_ip = c.peer().local_ip;
  request.local_port = c.peer().local_port;
  request.close = c.close_after;
  request.tls = c.tls();
  const bool submitted = pool.submit(
      [this, fd = c.fd(), serial = c.serial(), bytes, request = std::move(request)]() mutable {
        request.bytes = *bytes;
        Completion completion{fd, serial, handler.answer(request)};
        {
          std::lock_guard lock(done_mutex);
          done.push_back(std::move(completion));
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);
      });
  if (!submitted) close(c);
}

void EventLoop::Impl::complete(Completion& completion, Clock::time_point now) {
  Connection* found = find(completion.fd, completion.serial);
  // The client left, or the loop already answered 503 for a worker that took too long; a
  // stream's slots go back as `completion` ends.
  if (!found || found->state != Connection::State::dispatched) return;
  Connection& c = *found;
  Answer& answer = completion.answer;
  if (answer.stream) return start_stream(c, *answer.stream, now);
  c.queue(answer.bytes);
  c.state = answer.close || c.close_after ? Connection::State::closing : Connection::State::reading;
  c.last_progress = now;
  after_write(c, c.flush(), now);
  if (!find(completion.fd, completion.serial)) return;
  if (c.state != Connection::State::reading) return;
  c.deadline = now + (c.in.empty() ? options.keep_alive_timeout : options.request_timeout);
  process_input(c, now);
  // Reading stopped at the buffer limit while the request was answered: read on.
  if (find(completion.fd, completion.serial) && c.read_paused) on_readable(c, now);
}

void EventLoop::Impl::start_stream(Connection& c, StreamOpening& opening, Clock::time_point now) {
  std::string head = "HTTP/1.1 200 OK\r\n";
  for (const auto& [name, value] : opening.headers) {
    if (name == "Content-Length" || name == "Connection" || name == "Keep-Alive" ||
        name == "Transfer-Encoding") {
      continue;
    }
    head += name + ": " + value + "\r\n";
  }
  if (options.hsts && c.tls()) head += "Strict-Transport-Security: max-age=31536000\r\n";
  // HTTP/1.0 has no chunked coding: the stream's end is the connection's end.
  head += c.http10 ? "Connection: close\r\n\r\n" : "Transfer-Encoding: chunked\r\n\r\n";
  c.queue(head);
  if (!opening.opening.empty()) {
    if (!c.http10) c.queue(chunk_head(opening.opening.size()));
    c.queue(opening.opening);
    if (!c.http10) c.queue("\r\n");
  }
  metrics.delivered(opening.opening_events);
  c.state = Connection::State::streaming;
  c.stream_slots = std::move(opening.slots);
  c.in.clear();
  c.last_progress = now;
  Subscriber& s = c.subscriber;
  s.chunked = !c.http10;
  s.cursor = opening.cursor;
  s.channel = std::move(opening.channel);
  s.presence = opening.presence;
  const auto io = c.flush();
  if (io == Connection::Io::closed) {
    metrics.dropped();
    return close(c);
  }
  if (!fanout.join(s, now)) drop_stream(c);
}

void EventLoop::Impl::refuse(Connection& c, const Refusal& refusal) {
  metrics.rejected(refusal.reason);
  if (options.on_refused) {
    options.on_refused(c.head ? std::string_view(c.head->target) : c.head_parser.target(c.in),
                       refusal);
  }
  if (std::uint64_t skipped = 0; refusal_log().allow(Clock::now(), skipped)) {
    spdlog::warn("rejected a request from {}: {} {} ({}){}", c.peer().ip, refusal.status,
                 reason_label(refusal.reason), refusal.message, skipped_note(skipped));
  }
  c.queue(refusal_bytes(refusal));
  c.state = Connection::State::closing;
  c.in.clear();
  c.head_parser.reset();
  c.last_progress = Clock::now();
  after_write(c, c.flush(), c.last_progress);
}

void EventLoop::Impl::after_write(Connection& c, Connection::Io io, Clock::time_point now) {
  if (io == Connection::Io::closed) {
    if (c.state == Connection::State::streaming) metrics.dropped();
    return close(c);
  }
  if (c.state == Connection::State::closing && !c.has_output()) begin_linger(c, now);
}

void EventLoop::Impl::begin_linger(Connection& c, Clock::time_point now) {
  if (c.tls()) {
    // A close_notify is polite; the peer may be gone, so its result does not matter.
    return close(c);
  }
  ::shutdown(c.fd(), SHUT_WR);
  c.state = Connection::State::lingering;
  c.deadline = now + kLinger;
  if (c.discard_available() == Connection::Io::closed) close(c);
}

void EventLoop::Impl::drop_stream(Connection& c) {
  metrics.dropped();
  close(c);
}

void EventLoop::Impl::close(Connection& c) {
  if (c.state == Connection::State::streaming) fanout.leave(c.subscriber);
  release_large_body(c);
  if (!c.address_key.empty()) {
    auto it = per_address.find(c.address_key);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }
  --open;
  connections[static_cast<std::size_t>(c.fd())].reset();  // closes the socket
}

void EventLoop::Impl::tick(Clock::time_point now) {
  using State = Connection::State;
  for (auto& slot : connections) {
    if (!slot) continue;
    Connection& c = *slot;
    switch (c.state) {
      case State::handshake:
      case State::reading:
        if (now < c.deadline) break;
        if (c.in.empty() && !c.head) {
          close(c);  // an idle keep-alive connection, or one that never spoke
        } else {
          refuse(c, {.status = 408,
                     .reason = RejectReason::kTimeout,
                     .message = std::string(default_message(408))});
        }
        break;
      case State::streaming:
      case State::closing:
        if (c.has_output() && now - c.last_progress > options.write_timeout) {
          if (c.state == State::streaming) metrics.dropped();
          close(c);
        }
        break;
      case State::lingering:
        if (now >= c.deadline) close(c);
        break;
      case State::dispatched:
        // The worker is stuck (a stalled disk or Redis): answer now; its answer is dropped.
        if (now >= c.deadline) {
          refuse(c, {.status = 503,
                     .reason = RejectReason::kUnavailable,
                     .message = "the server could not answer in time; retry later",
                     .retry_after = 2});
        }
        break;
    }
  }
  if (PresenceExchange* exchange = options.presence_exchange) {
    // Ours out when it changed, theirs in when it came: the ticks below send the sums.
    PresenceCount& pages = fanout.presence();
    if (pages.local_version() != posted_presence) {
      posted_presence = pages.local_version();
      exchange->post_local(pages.local_counts());
    }
    if (auto remote = exchange->take_remote()) pages.replace_remote(*remote);
  }
  fanout.tick(now, dropped);
  for (Subscriber* s : dropped) drop_stream(*static_cast<Connection*>(s->sink));
  dropped.clear();
}

void EventLoop::Impl::shutdown() {
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
  // End each stream properly, so browsers see a clean end and reconnect at once.
  for (auto& slot : connections) {
    if (!slot || slot->state != Connection::State::streaming) continue;
    const std::string_view ending = Fanout::ending(slot->subscriber);
    const std::string_view pieces[] = {ending};
    if (!ending.empty()) slot->send(pieces);
    slot->flush();
  }
  // Requests a worker is answering are finished and their answers written (a page
  // loading an image as the server stops gets the image, not a reset); a stream admitted
  // meanwhile is not started.
  pool.shutdown();
  std::vector<Completion> finished;
  {
    std::lock_guard lock(done_mutex);
    finished.swap(done);
  }
  for (auto& completion : finished) {
    Connection* c = find(completion.fd, completion.serial);
    if (!c || c->state != Connection::State::dispatched || completion.answer.stream) continue;
    c->queue(completion.answer.bytes);
    c->flush();
  }
  for (auto& slot : connections) {
    if (!slot) continue;
    if (slot->state == Connection::State::streaming) fanout.leave(slot->subscriber);
    // FIN before close: what was written is delivered before the connection ends.
    if (!slot->tls()) ::shutdown(slot->fd(), SHUT_WR);
    slot.reset();
  }
  open = 0;
  per_address.clear();
}

}  // namespace proof::net
