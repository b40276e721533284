#include "net/connection.h"

#include <openssl/err.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

namespace proof::net {

namespace {
/// writev takes at most this many pieces at once (IOV_MAX is 1024 on Linux).
constexpr std::size_t kMaxIov = 64;
}  // namespace

void WaitList::push_back(Connection& c, Clock::time_point since) {
  if (c.waiting) c.waiting->remove(c);
  c.waiting = this;
  c.waiting_since_ = since;
  Connection* after = tail_;
  while (after && after->waiting_since_ > since) after = after->wait_prev_;
  c.wait_prev_ = after;
  c.wait_next_ = after ? after->wait_next_ : head_;
  (after ? after->wait_next_ : head_) = &c;
  (c.wait_next_ ? c.wait_next_->wait_prev_ : tail_) = &c;
  if (head_ == &c) publish_oldest();
}

void WaitList::remove(Connection& c) {
  if (c.waiting != this) return;
  (c.wait_prev_ ? c.wait_prev_->wait_next_ : head_) = c.wait_next_;
  (c.wait_next_ ? c.wait_next_->wait_prev_ : tail_) = c.wait_prev_;
  const bool was_first = c.wait_prev_ == nullptr;
  c.waiting = nullptr;
  c.wait_prev_ = c.wait_next_ = nullptr;
  if (was_first) publish_oldest();
}

void WaitList::publish_oldest() {
  oldest_.store(head_ ? head_->waiting_since_.time_since_epoch().count() : -1,
                std::memory_order_relaxed);
}

Connection::Connection(int fd, std::uint64_t serial, Peer peer, SSL* ssl,
                       std::size_t stream_backlog)
    : fd_(fd), serial_(serial), peer_(std::move(peer)), ssl_(ssl), stream_backlog_(stream_backlog) {
  subscriber.sink = this;
  if (ssl_) state = State::handshake;
}

Connection::~Connection() {
  if (waiting) waiting->remove(*this);
  if (ssl_) SSL_free(ssl_);
  ::close(fd_);
}

bool Connection::watch(int epoll_fd, std::uint64_t tag) {
  epoll_fd_ = epoll_fd;
  tag_ = tag;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = tag_;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd_, &ev) == 0;
}

void Connection::update_interest() {
  const bool want = has_output() || (ssl_ && state == State::handshake);
  if (want == watching_output_ || epoll_fd_ < 0) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (want ? EPOLLOUT : 0u);
  ev.data.u64 = tag_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_, &ev) == 0) watching_output_ = want;
}

Connection::Io Connection::handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) return Io::ok;
  const int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ) return Io::again;
  if (err == SSL_ERROR_WANT_WRITE) {
    // Rare (a full socket during the handshake): wait for writability this once.
    if (!watching_output_ && epoll_fd_ >= 0) {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      ev.data.u64 = tag_;
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_, &ev) == 0) watching_output_ = true;
    }
    return Io::again;
  }
  return Io::closed;
}

Connection::Io Connection::read_available(std::size_t limit) {
  char buf[16 * 1024];
  while (in.size() < limit) {
    const std::size_t want = std::min(sizeof buf, limit - in.size());
    ssize_t n;
    if (ssl_) {
      ERR_clear_error();
      n = SSL_read(ssl_, buf, static_cast<int>(want));
      if (n <= 0) {
        const int err = SSL_get_error(ssl_, static_cast<int>(n));
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Io::again;
        return Io::closed;
      }
    } else {
      n = ::recv(fd_, buf, want, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::again;
        return Io::closed;
      }
      if (n == 0) return Io::closed;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  read_paused = true;
  return Io::ok;
}

Connection::Io Connection::discard_available() {
  for (;;) {
    in.clear();
    const Io io = read_available(std::size_t{16} * 1024);
    if (io != Io::ok) {
      in.clear();
      read_paused = false;
      return io;
    }
  }
}

std::optional<std::size_t> Connection::write_now(std::span<const std::string_view> pieces) {
  if (ssl_) {
    // TLS encrypts per connection anyway: one record from the joined pieces.
    std::string joined;
    for (auto piece : pieces) joined += piece;
    std::size_t done = 0;
    while (done < joined.size()) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, joined.data() + done, static_cast<int>(joined.size() - done));
      if (n <= 0) {
        const int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) break;
        return std::nullopt;
      }
      done += static_cast<std::size_t>(n);
    }
    return done;
  }
  std::size_t total = 0;
  for (std::size_t start = 0; start < pieces.size(); start += kMaxIov) {
    iovec iov[kMaxIov];
    const std::size_t count = std::min(kMaxIov, pieces.size() - start);
    std::size_t batch = 0;
    for (std::size_t i = 0; i < count; ++i) {
      iov[i].iov_base = const_cast<char*>(pieces[start + i].data());
      iov[i].iov_len = pieces[start + i].size();
      batch += iov[i].iov_len;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    ssize_t n;
    do {
      n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return total;
      return std::nullopt;
    }
    total += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < batch) return total;
  }
  return total;
}

bool Connection::send(std::span<const std::string_view> pieces) {
  if (has_output()) {
    // Behind already: keep the order, and bound what one slow reader may hold.
    for (auto piece : pieces) out_ += piece;
    return out_.size() - sent_ <= stream_backlog_;
  }
  const auto written = write_now(pieces);
  if (!written) return false;
  std::size_t skip = *written;
  for (auto piece : pieces) {
    if (skip >= piece.size()) {
      skip -= piece.size();
      continue;
    }
    out_.append(piece.substr(skip));
    skip = 0;
  }
  if (*written > 0) last_progress = Clock::now();
  update_interest();
  return out_.size() - sent_ <= stream_backlog_;
}

void Connection::queue(std::string_view bytes) {
  out_.append(bytes);
  update_interest();
}

Connection::Io Connection::flush() {
  while (has_output()) {
    const std::string_view rest(out_.data() + sent_, out_.size() - sent_);
    const std::string_view pieces[] = {rest};
    const auto written = write_now(pieces);
    if (!written) return Io::closed;
    if (*written == 0) {
      update_interest();
      return Io::again;
    }
    sent_ += *written;
    last_progress = Clock::now();
  }
  out_.clear();
  sent_ = 0;
  // A stream's burst may have grown the buffer; do not keep its capacity per connection.
  if (out_.capacity() > 4096) out_.shrink_to_fit();
  update_interest();
  return Io::ok;
}

}  // namespace proof::net
