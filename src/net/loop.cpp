#include "net/loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <utility>

#include "core/error_text.h"
#include "core/log_throttle.h"
#include "core/refusal.h"
#include "net/http1.h"

namespace proof::net {

namespace {

constexpr int kMaxEvents = 256;
/// How often timeouts and heartbeats are looked at.
constexpr std::chrono::milliseconds kTick{250};
/// Streams written to per loop turn while an event fans out (a few ms of writes): between
/// turns the loop accepts, reads and answers, so a publish to 19,000 streams holds up no
/// /healthz or POST for the whole of it.
constexpr std::size_t kFanoutBudget = 1024;
/// Accepts a loop makes in one turn: in a connection storm it goes on to its streams and
/// its inbox (connections other loops handed to it) between batches; the listening socket
/// stays readable, so epoll_wait brings it back.
constexpr int kAcceptBatch = 64;
/// epoll data: the connection's fd in the low bits, its serial above, so an event for a
/// closed connection is never taken for a new one that got the same fd.
constexpr int kFdBits = 24;
constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};
/// The listening sockets' tags: the first below kWakeTag, then down, one per listener.
constexpr std::uint64_t kFirstListenTag = kWakeTag - 1;
constexpr std::size_t kMaxListeners = 8;

bool is_listener(std::uint64_t data, std::size_t listeners) {
  return data <= kFirstListenTag && kFirstListenTag - data < listeners;
}

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

const core::Refusal& connections_full() {
  static const core::Refusal refusal{.status = 503,
                                     .reason = core::RejectReason::kSubscriberCap,
                                     .message = "too many connections; retry later",
                                     .retry_after = 5};
  return refusal;
}

/// Answers and closes a socket that gets no connection (a cap said no).
void refuse_at_once(int fd, const core::Refusal& refusal, core::Metrics& metrics) {
  metrics.rejected(refusal.reason);
  const std::string bytes = refusal_bytes(refusal);
  [[maybe_unused]] const auto n =
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

}  // namespace

LoopShared::LoopShared(const std::vector<Listener>& l, const LoopOptions& o, core::Hub& hb,
                       core::Metrics& m)
    : listeners(l),
      options(o),
      hub(hb),
      metrics(m),
      caps({.connections = o.max_connections,
            .per_address = o.max_connections_per_address,
            .uncapped_addresses = o.uncapped_addresses,
            .large_bodies = o.max_large_bodies}),
      presence(o.presence_exchange),
      pool(o.workers) {}

Loop::Loop(LoopShared& shared)
    : shared_(shared),
      options_(shared.options),
      fanout_(shared.hub, shared.metrics, shared.presence, options_.heartbeat,
              options_.presence_interval) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error(core::error_text(errno));
  if (shared_.listeners.empty() || shared_.listeners.size() > kMaxListeners) {
    throw std::invalid_argument("an event loop needs 1 to 8 listening sockets");
  }
  epoll_event ev{};
  // Every loop waits on each listening socket; EPOLLEXCLUSIVE wakes one that is waiting
  // (not one busy writing a fan-out), which then places what it accepts (place()).
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  for (std::size_t i = 0; i < shared_.listeners.size(); ++i) {
    ev.data.u64 = kFirstListenTag - i;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, shared_.listeners[i].fd, &ev);
  }
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

Loop::~Loop() {
  for (auto& accepted : adopted_) ::close(accepted.fd);
  connections_.clear();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Loop::wake(bool events) {
  if (events) events_pending_.store(true);
  if (!woken_.exchange(true)) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  }
}

void Loop::adopt(Accepted accepted) {
  {
    std::lock_guard lock(inbox_mutex_);
    adopted_.push_back(std::move(accepted));
  }
  wake(false);
}

void Loop::run() {
  epoll_event events[kMaxEvents];
  auto next_tick = Clock::now() + kTick;
  while (!shared_.stopping) {
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_tick - Clock::now());
    const int timeout =
        fanning_out_ ? 0 : static_cast<int>(std::max<std::int64_t>(0, wait.count()));
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
    if (n < 0 && errno != EINTR) {
      spdlog::error("epoll_wait: {}", core::error_text(errno));
      break;
    }
    const auto now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t data = events[i].data.u64;
      if (is_listener(data, shared_.listeners.size())) {
        accept_batch(shared_.listeners[kFirstListenTag - data]);
      } else if (data == kWakeTag) {
        std::uint64_t count;
        [[maybe_unused]] const auto r = ::read(wake_fd_, &count, sizeof count);
        woken_.store(false);  // before the inboxes are read: a later hand-over writes again
      } else {
        const int fd = static_cast<int>(data & ((std::uint64_t{1} << kFdBits) - 1));
        if (Connection* c = find(fd, data >> kFdBits)) on_event(*c, events[i].events, now);
      }
    }
    take_adopted();
    // Answers first, then events: a stream admitted in this round is caught up by join().
    take_completions(now);
    if (events_pending_.exchange(false)) fanning_out_ = true;
    if (fanning_out_) {
      fanning_out_ = fanout_.publish(now, dropped_, kFanoutBudget);
      drop_streams();
    }
    if (now >= next_tick) {
      tick(now);
      next_tick = now + kTick;
    }
  }
  end_streams();
}

Connection* Loop::find(int fd, std::uint64_t serial) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= connections_.size()) return nullptr;
  Connection* c = connections_[static_cast<std::size_t>(fd)].get();
  return c && c->serial() == serial ? c : nullptr;
}

void Loop::accept_batch(const Listener& listener) {
  for (int accepted = 0; accepted < kAcceptBatch; ++accepted) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = accept4(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        spdlog::warn("accept: {}", core::error_text(errno));
      }
      return;
    }
    Peer peer;
    peer.ip = address_of(addr, peer.port);
    place(fd, listener, std::move(peer));
  }
}

void Loop::place(int fd, const Listener& listener, Peer peer) {
  if (static_cast<std::size_t>(fd) >= (std::size_t{1} << kFdBits)) {
    return refuse_at_once(fd, connections_full(), shared_.metrics);
  }
  Accepted accepted;
  accepted.fd = fd;
  accepted.listener = &listener;
  accepted.peer = std::move(peer);
  accepted.at = Clock::now();
  auto verdict = shared_.caps.admit(accepted.peer.ip, accepted.slot);
  bool room_to_make = false;
  if (verdict == ConnectionCaps::Verdict::total_full && longest_waiting()) {
    // Some connection only waits for a request: it goes (make_room_somewhere()), this one comes in.
    verdict = shared_.caps.admit(accepted.peer.ip, accepted.slot, /*beyond_total=*/true);
    room_to_make = verdict == ConnectionCaps::Verdict::admitted;
  }
  if (verdict == ConnectionCaps::Verdict::total_full) {
    return refuse_at_once(fd, connections_full(), shared_.metrics);
  }
  if (verdict == ConnectionCaps::Verdict::address_full) {
    return refuse_at_once(fd,
                          {.status = 429,
                           .reason = core::RejectReason::kAddressCap,
                           .message = "too many connections from one address; retry later",
                           .retry_after = 5},
                          shared_.metrics);
  }
  if (room_to_make) make_room_somewhere();
  Loop* target = this;  // on a tie, no hand-over
  for (Loop* loop : shared_.loops) {
    if (loop->load() < target->load()) target = loop;
  }
  // Counted at once, so a burst of accepts spreads before the loops have taken any.
  target->load_.fetch_add(1, std::memory_order_relaxed);
  if (target == this) return take(std::move(accepted));
  target->adopt(std::move(accepted));
}

Loop* Loop::longest_waiting() const {
  // Of those that have not yet sent a whole request first, then of those idle between
  // requests; on a tie, this loop (no hand-over).
  for (const auto list : {&Loop::fresh, &Loop::idle}) {
    std::int64_t oldest = (this->*list)().oldest();
    const Loop* holder = oldest >= 0 ? this : nullptr;
    for (const Loop* loop : shared_.loops) {
      const std::int64_t since = (loop->*list)().oldest();
      if (since >= 0 && (oldest < 0 || since < oldest)) {
        holder = loop;
        oldest = since;
      }
    }
    if (holder) return const_cast<Loop*>(holder);
  }
  return nullptr;
}

void Loop::make_room_somewhere() {
  Loop* holder = longest_waiting();
  if (holder == this) {
    make_room();
  } else if (holder) {
    // Its loop closes it; by then another loop may hold the longest-waiting one, and
    // the request moves on there (make_room_somewhere()): fronts only get younger, so it ends.
    {
      std::lock_guard lock(holder->inbox_mutex_);
      ++holder->rooms_asked_;
    }
    holder->wake(false);
  }
}

void Loop::take_adopted() {
  std::vector<Accepted> adopted;
  std::size_t rooms = 0;
  {
    std::lock_guard lock(inbox_mutex_);
    adopted.swap(adopted_);
    rooms = std::exchange(rooms_asked_, 0);
  }
  for (; rooms > 0; --rooms) make_room_somewhere();
  for (auto& accepted : adopted) take(std::move(accepted));
}

void Loop::take(Accepted accepted) {
  const int fd = accepted.fd;
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  Peer& peer = accepted.peer;
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    peer.local_ip = address_of(local, peer.local_port);
  }
  SSL* ssl = nullptr;
  if (accepted.listener->tls) {
    // From the certificate current now: a reload after this leaves this connection as is.
    ssl = accepted.listener->tls->new_connection();
    if (ssl == nullptr) {
      spdlog::warn("cannot start TLS for a connection from {}", peer.ip);
      ::close(fd);
      load_.fetch_sub(1, std::memory_order_relaxed);
      return;  // the slot gives its places back
    }
    SSL_set_fd(ssl, fd);
    SSL_set_accept_state(ssl);
  }
  auto c = std::make_unique<Connection>(fd, next_serial_++, std::move(peer), ssl,
                                        options_.stream_backlog);
  c->listener = accepted.listener;
  c->slot = std::move(accepted.slot);
  c->deadline = accepted.at + options_.request_timeout;
  c->last_progress = accepted.at;
  if (!c->watch(epoll_fd_, tag(*c))) {
    spdlog::warn("epoll_ctl: {}", core::error_text(errno));
    load_.fetch_sub(1, std::memory_order_relaxed);
    return;  // `c` closes the socket and gives its places back
  }
  if (connections_.size() <= static_cast<std::size_t>(fd)) {
    connections_.resize(static_cast<std::size_t>(fd) + 1024);
  }
  fresh_.push_back(*c, accepted.at);
  connections_[static_cast<std::size_t>(fd)] = std::move(c);
}

void Loop::drop_streams() {
  for (Subscriber* s : dropped_) {
    shared_.metrics.dropped();
    close(*static_cast<Connection*>(s->sink));
  }
  dropped_.clear();
}

void Loop::close(Connection& c) {
  if (c.state == Connection::State::streaming) fanout_.leave(c.subscriber);
  if (c.waiting) c.waiting->remove(c);
  load_.fetch_sub(1, std::memory_order_relaxed);
  connections_[static_cast<std::size_t>(c.fd())].reset();  // the socket, and its places
}

bool Loop::make_room() {
  Connection* victim = fresh_.front();
  if (!victim) victim = idle_.front();
  if (!victim) return false;
  Connection& c = *victim;
  const core::Refusal& refusal = connections_full();
  shared_.metrics.rejected(refusal.reason);
  if (std::uint64_t skipped = 0; core::refusal_log().allow(Clock::now(), skipped)) {
    spdlog::warn(
        "closed a connection from {} that was waiting for a request: connections at their "
        "cap of {}{}",
        c.peer().ip, shared_.caps.max_connections(), core::skipped_note(skipped));
  }
  // Best effort, and no lingering: the place is what matters now.
  const std::string answer = refusal_bytes(refusal);
  const std::string_view bytes[] = {answer};
  c.send(bytes);
  close(c);
  return true;
}

void Loop::tick(Clock::time_point now) {
  for (auto& slot : connections_) {
    if (slot) timeouts(*slot, now);
  }
  fanout_.tick(now, dropped_);
  drop_streams();
}

void Loop::end_streams() {
  for (const Listener& listener : shared_.listeners) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listener.fd, nullptr);
  }
  // End each stream properly, so browsers see a clean end and reconnect at once.
  for (auto& slot : connections_) {
    if (!slot || slot->state != Connection::State::streaming) continue;
    const std::string_view ending[] = {Fanout::ending(slot->subscriber)};
    if (!ending[0].empty()) slot->send(ending);
    slot->flush();
  }
}

void Loop::finish() {
  // Requests a worker was answering are finished and their answers written (a page
  // loading an image as the server stops gets the image, not a reset); a stream admitted
  // meanwhile is not started.
  std::vector<Completion> finished;
  {
    std::lock_guard lock(inbox_mutex_);
    finished.swap(done_);
  }
  for (auto& completion : finished) {
    Connection* c = find(completion.fd, completion.serial);
    if (!c || c->state != Connection::State::dispatched || completion.answer.stream) continue;
    c->queue(completion.answer.bytes);
    c->flush();
  }
  for (auto& slot : connections_) {
    if (!slot) continue;
    if (slot->state == Connection::State::streaming) fanout_.leave(slot->subscriber);
    // FIN before close: what was written is delivered before the connection ends.
    if (!slot->tls()) ::shutdown(slot->fd(), SHUT_WR);
    slot.reset();
  }
  load_.store(0);
}

}  // namespace proof::net
