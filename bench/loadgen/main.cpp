// proof-loadgen: opens N Server-Sent Events subscribers against a server, publishes K events
// over HTTP POST, each carrying its send time, and reports how many arrived and how late,
// with the server's memory and threads read from /proc. One process, one epoll loop, so
// the same generator measures proof and nginx + nchan alike.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "stream_parser.h"

namespace loadgen {
namespace {

using Json = nlohmann::ordered_json;

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

constexpr std::int64_t kMs = 1'000'000;

volatile std::sig_atomic_t g_signalled = 0;
void on_signal(int) {
  g_signalled = 1;
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string subscribe_path = "/events";
  std::string publish_path = "/signup";
  std::string body_template = "user_name={stamp}&offer_name=Bench";
  std::string content_type = "application/x-www-form-urlencoded";
  std::vector<std::string> headers;            ///< extra headers on POSTs
  std::vector<std::string> subscribe_headers;  ///< extra headers on GETs
  std::size_t subscribers = 100;
  std::size_t events = 10;
  int interval_ms = 100;
  double connect_rate = 0;  ///< new subscribers per second; 0 = as fast as the loop goes
  int connect_timeout_ms = 10000;
  int settle_ms = 1000;
  int drain_ms = 10000;
  double hold_s = 0;             ///< keep streams open after the events; < 0 = until SIGINT/SIGTERM
  std::vector<int> server_pids;  ///< their RSS, threads and CPU are added up
  std::vector<int> subscribe_ports;  ///< streams go round-robin over these (default: --port)
  bool reconnect = false;            ///< a stream that ends comes back, as EventSource does
  std::size_t sources = 0;           ///< streams come from this many addresses in 127.2.0.0/16
  std::string marker = "LG";
  bool json = false;
  bool require_complete = false;
};

/// The server's footprint at one moment, from /proc/PID/status and /proc/PID/stat.
struct Snapshot {
  bool valid = false;
  long rss_kb = 0;
  long threads = 0;
  double cpu_s = 0;  ///< user + system time so far
};

Snapshot snapshot_of(int pid) {
  Snapshot s;
  if (pid <= 0) return s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::atol(line.c_str() + 6);
    if (line.rfind("Threads:", 0) == 0) s.threads = std::atol(line.c_str() + 8);
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may contain spaces.
  const std::size_t paren = text.rfind(')');
  if (paren != std::string::npos) {
    std::istringstream rest(text.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  s.valid = s.rss_kb > 0;
  return s;
}

/// The processes together (nginx's workers, several instances); invalid if one is gone.
Snapshot snapshot(const std::vector<int>& pids) {
  Snapshot sum;
  sum.valid = !pids.empty();
  for (const int pid : pids) {
    const Snapshot one = snapshot_of(pid);
    sum.valid = sum.valid && one.valid;
    sum.rss_kb += one.rss_kb;
    sum.threads += one.threads;
    sum.cpu_s += one.cpu_s;
  }
  return sum;
}

Json to_json(const Snapshot& s) {
  if (!s.valid) return nullptr;
  return Json{{"rss_kb", s.rss_kb}, {"threads", s.threads}, {"cpu_s", s.cpu_s}};
}

enum class Phase : std::uint8_t {
  kIdle,        ///< not started
  kConnecting,  ///< connect() in flight
  kSending,     ///< writing the request
  kHead,        ///< reading the response head
  kBody,        ///< reading the body (a stream, or a POST's answer)
  kClosed,      ///< the stream ended after it had opened
  kFailed,      ///< never opened
  kWaiting,     ///< ended; reconnects at retry_at_ns (--reconnect)
};

struct Subscriber {
  int fd = -1;
  Phase phase = Phase::kIdle;
  std::size_t sent = 0;
  std::int64_t started_ns = 0;
  std::string head;
  BodyDecoder body;
  SseParser sse;
  // --reconnect: what a browser's EventSource keeps across connections.
  bool opened = false;  ///< it has been connected at least once
  bool open = false;    ///< connected now
  std::string request;  ///< this connection's GET (with Last-Event-ID), while sending
  std::string last_id;  ///< the last id seen, sent back as Last-Event-ID
  int retry_ms = 3000;  ///< the reconnection delay, as the server's retry: set it
  int refusals = 0;     ///< refused in a row: the widget backs off 1 s, 2 s, 4 s...
  std::int64_t retry_at_ns = 0;
};

struct Publisher {
  int fd = -1;
  Phase phase = Phase::kIdle;  ///< kIdle: no connection; kBody with done body: ready
  bool ready = false;          ///< connected and no request outstanding
  std::string out;
  std::size_t sent = 0;
  std::string head;
  ResponseHead response;
  BodyDecoder body;
};

constexpr std::uint64_t kPublisherTag = ~std::uint64_t{0};

class Generator {
 public:
  explicit Generator(Options options) : o_(std::move(options)) {}

  int run();

 private:
  // Sockets.
  int open_socket();
  void watch(int fd, std::uint64_t tag, std::uint32_t events, bool add);
  void close_fd(int& fd, bool reset);

  // Subscribers.
  void start_subscriber(std::size_t i);
  void on_subscriber(std::size_t i, std::uint32_t events);
  void subscriber_send(std::size_t i);
  void subscriber_read(std::size_t i);
  void subscriber_failed(std::size_t i, const std::string& reason);
  void on_event(std::size_t i, const SseEvent& event);

  // The publisher.
  void publish_next();
  void publisher_connect();
  void on_publisher(std::uint32_t events);
  void publisher_send();
  void publisher_read();
  void publisher_lost(const std::string& reason);

  /// Runs the loop until `done()` is true or `deadline` (monotonic ns) passes; `tick` runs on
  /// every turn and returns the next time it wants to run (or 0 for none).
  template <class Done, class Tick>
  void loop(std::int64_t deadline, Done done, Tick tick);

  Json report() const;
  void print_text(const Json& r) const;

  /// --reconnect: the stream ended (or could not open); it comes back after a delay.
  void subscriber_lost(std::size_t i, bool refused);
  void reconnect_due(std::int64_t now, std::int64_t& next);
  void opened(Subscriber& s);

  Options o_;
  sockaddr_in addr_{};
  std::vector<sockaddr_in> subscribe_addrs_;
  int epoll_ = -1;
  std::int64_t now_ = 0;  ///< when the bytes being parsed were read
  std::string subscribe_request_;

  std::vector<Subscriber> subs_;
  std::size_t started_ = 0;
  std::size_t connected_ = 0;
  std::size_t failed_ = 0;
  std::size_t closed_ = 0;
  std::size_t open_now_ = 0;
  std::size_t reconnects_ = 0;       ///< connections opened again after one ended
  std::size_t lost_ = 0;             ///< streams that ended and came back later
  std::size_t retries_refused_ = 0;  ///< reconnection attempts refused or failed
  std::int64_t first_loss_ns_ = 0;   ///< when the first stream ended
  std::int64_t all_back_ns_ = 0;     ///< when every stream was open again after that
  std::map<std::string, std::size_t> fail_reasons_;
  std::int64_t connect_begin_ns_ = 0;
  std::int64_t last_connected_ns_ = 0;

  Publisher pub_;
  std::size_t next_seq_ = 0;   ///< the next event to publish
  std::size_t answered_ = 0;   ///< POSTs answered (any status) or lost
  std::size_t published_ = 0;  ///< POSTs answered 2xx
  std::vector<bool> event_ok_;
  std::map<std::string, std::size_t> publish_statuses_;
  std::size_t outstanding_seq_ = 0;

  std::vector<std::uint8_t> got_;         ///< subscriber x event: delivered yet?
  std::vector<std::uint32_t> per_event_;  ///< deliveries of each event
  std::vector<std::int64_t> latencies_;   ///< ns, one per first delivery
  std::size_t delivered_ = 0;
  std::size_t duplicates_ = 0;
  std::size_t unmarked_ = 0;  ///< events without our stamp (another publisher's)
  std::size_t foreign_ = 0;   ///< stamped with a sequence number beyond --events

  Snapshot idle_, open_, end_;
  double publish_seconds_ = 0;
};

int Generator::open_socket() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void Generator::watch(int fd, std::uint64_t tag, std::uint32_t events, bool add) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  ::epoll_ctl(epoll_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

void Generator::close_fd(int& fd, bool reset) {
  if (fd < 0) return;
  if (reset) {
    // An abortive close leaves no TIME_WAIT behind, so back-to-back runs of 10,000
    // connections do not exhaust the loopback's ephemeral ports.
    const linger lg{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  ::close(fd);
  fd = -1;
}

void Generator::start_subscriber(std::size_t i) {
  Subscriber& s = subs_[i];
  s.started_ns = now_ns();
  s.fd = open_socket();
  if (s.fd < 0) {
    subscriber_failed(i, std::string("socket: ") + std::strerror(errno));
    return;
  }
  if (o_.sources > 0) {
    // Pages come from many addresses; one address would also make every connect() search
    // one crowded ephemeral port range (slower the fuller it gets: past ~16,000 streams the
    // generator fell seconds behind sending its GETs).
    const std::size_t k = i % o_.sources;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl((127u << 24) | (2u << 16) |
                                 static_cast<std::uint32_t>((k / 250) << 8 | (k % 250 + 1)));
    const int one = 1;
    ::setsockopt(s.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (::bind(s.fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
      subscriber_failed(i, std::string("bind: ") + std::strerror(errno));
      return;
    }
  }
  const sockaddr_in& to = subscribe_addrs_[i % subscribe_addrs_.size()];
  const int rc = ::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (rc != 0 && errno != EINPROGRESS) {
    subscriber_failed(i, std::string("connect: ") + std::strerror(errno));
    return;
  }
  s.request = "GET " + o_.subscribe_path + " HTTP/1.1\r\nHost: " + o_.host + ":" +
              std::to_string(ntohs(to.sin_port)) + "\r\n" + subscribe_request_;
  if (!s.last_id.empty()) s.request += "Last-Event-ID: " + s.last_id + "\r\n";
  s.request += "\r\n";
  s.sent = 0;
  s.phase = Phase::kConnecting;
  watch(s.fd, i, EPOLLOUT | EPOLLIN | EPOLLRDHUP, true);
}

void Generator::subscriber_failed(std::size_t i, const std::string& reason) {
  Subscriber& s = subs_[i];
  if (o_.reconnect && s.opened) return subscriber_lost(i, reason.rfind("HTTP ", 0) == 0);
  close_fd(s.fd, true);
  s.phase = Phase::kFailed;
  ++failed_;
  ++fail_reasons_[reason];
}

void Generator::on_subscriber(std::size_t i, std::uint32_t events) {
  Subscriber& s = subs_[i];
  if (s.phase == Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      subscriber_failed(i, std::string("connect: ") + std::strerror(err));
      return;
    }
    if (!(events & (EPOLLOUT | EPOLLIN))) return;
    s.phase = Phase::kSending;
  }
  if (s.phase == Phase::kSending) {
    subscriber_send(i);
    return;
  }
  if (s.phase == Phase::kHead || s.phase == Phase::kBody) subscriber_read(i);
}

void Generator::subscriber_send(std::size_t i) {
  Subscriber& s = subs_[i];
  while (s.sent < s.request.size()) {
    const ssize_t n =
        ::send(s.fd, s.request.data() + s.sent, s.request.size() - s.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      subscriber_failed(i, std::string("send: ") + std::strerror(errno));
      return;
    }
    s.sent += static_cast<std::size_t>(n);
  }
  s.request.clear();
  s.request.shrink_to_fit();
  s.phase = Phase::kHead;
  watch(s.fd, i, EPOLLIN | EPOLLRDHUP, false);
}

void Generator::subscriber_read(std::size_t i) {
  Subscriber& s = subs_[i];
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      const std::string why = n == 0 ? "closed by server" : std::strerror(errno);
      if (s.phase == Phase::kHead) {
        subscriber_failed(i, "before response: " + why);
      } else if (o_.reconnect) {
        subscriber_lost(i, false);
      } else {
        close_fd(s.fd, true);
        s.phase = Phase::kClosed;
        ++closed_;
      }
      return;
    }
    now_ = now_ns();
    std::string_view bytes(buf, static_cast<std::size_t>(n));
    if (s.phase == Phase::kHead) {
      s.head.append(bytes);
      std::size_t end = s.head.find("\r\n\r\n");
      std::size_t sep = 4;
      if (end == std::string::npos) {
        end = s.head.find("\n\n");
        sep = 2;
      }
      if (end == std::string::npos) {
        if (s.head.size() > 16384) subscriber_failed(i, "response head too large");
        continue;
      }
      const auto head = parse_head(std::string_view(s.head).substr(0, end));
      if (!head) {
        subscriber_failed(i, "malformed response head");
        return;
      }
      if (head->status != 200) {
        subscriber_failed(i, "HTTP " + std::to_string(head->status));
        return;
      }
      s.body.reset(*head);
      s.phase = Phase::kBody;
      opened(s);
      const std::string rest = s.head.substr(end + sep);
      s.head.clear();
      s.head.shrink_to_fit();
      bytes = rest;
      s.body.feed(bytes, [&](std::string_view data) {
        s.sse.feed(data, [&](const SseEvent& e) { on_event(i, e); });
      });
      continue;
    }
    s.body.feed(bytes, [&](std::string_view data) {
      s.sse.feed(data, [&](const SseEvent& e) { on_event(i, e); });
    });
    if (s.body.error() || s.body.done()) {
      if (o_.reconnect) return subscriber_lost(i, false);
      close_fd(s.fd, true);
      s.phase = Phase::kClosed;
      ++closed_;
      return;
    }
  }
}

void Generator::opened(Subscriber& s) {
  s.open = true;
  s.refusals = 0;
  ++open_now_;
  if (s.opened) {
    ++reconnects_;
  } else {
    s.opened = true;
    ++connected_;
  }
  last_connected_ns_ = now_;
  if (first_loss_ns_ > 0 && open_now_ == o_.subscribers) all_back_ns_ = now_;
}

void Generator::subscriber_lost(std::size_t i, bool refused) {
  Subscriber& s = subs_[i];
  close_fd(s.fd, true);
  const std::int64_t now = now_ns();
  if (s.open) {
    s.open = false;
    --open_now_;
    ++lost_;
    if (first_loss_ns_ == 0) first_loss_ns_ = now;
  } else {
    ++retries_refused_;
  }
  // As a page does: EventSource keeps the last id and the server's retry delay; a refused
  // stream (an error status) is reopened by the widget after 1 s, 2 s, 4 s... with jitter.
  if (!s.sse.last_id().empty()) s.last_id = s.sse.last_id();
  if (const auto retry = s.sse.retry_ms()) s.retry_ms = *retry;
  s.sse = SseParser{};
  s.head.clear();
  std::int64_t delay_ms = s.retry_ms;
  if (refused) {
    const int step = std::min(s.refusals++, 6);
    delay_ms = (1000 << step) + static_cast<std::int64_t>(i * 7919 % 1000);
  }
  s.retry_at_ns = now + delay_ms * kMs;
  s.phase = Phase::kWaiting;
}

void Generator::reconnect_due(std::int64_t now, std::int64_t& next) {
  if (!o_.reconnect) return;
  for (std::size_t i = 0; i < subs_.size(); ++i) {
    Subscriber& s = subs_[i];
    if (s.phase != Phase::kWaiting) continue;
    if (s.retry_at_ns <= now) {
      start_subscriber(i);
    } else if (next == 0 || s.retry_at_ns < next) {
      next = s.retry_at_ns;
    }
  }
}

void Generator::on_event(std::size_t i, const SseEvent& event) {
  const auto stamp = find_stamp(event.data, o_.marker);
  if (!stamp) {
    ++unmarked_;
    return;
  }
  if (stamp->seq >= o_.events) {
    ++foreign_;
    return;
  }
  const std::size_t cell = i * o_.events + stamp->seq;
  if (got_[cell]) {
    ++duplicates_;
    return;
  }
  got_[cell] = 1;
  ++delivered_;
  ++per_event_[stamp->seq];
  latencies_.push_back(now_ - stamp->sent_ns);
}

void Generator::publisher_connect() {
  pub_ = Publisher{};
  pub_.fd = open_socket();
  if (pub_.fd < 0) return;
  const int rc = ::connect(pub_.fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_);
  if (rc != 0 && errno != EINPROGRESS) {
    close_fd(pub_.fd, false);
    return;
  }
  pub_.phase = Phase::kConnecting;
  watch(pub_.fd, kPublisherTag, EPOLLOUT | EPOLLIN | EPOLLRDHUP, true);
}

void Generator::publish_next() {
  if (next_seq_ >= o_.events) return;
  if (pub_.fd < 0) {
    publisher_connect();
    return;  // the POST goes out once connected
  }
  if (!pub_.ready) return;
  const Stamp stamp{next_seq_, now_ns()};
  std::string body = o_.body_template;
  const std::string text = format_stamp(o_.marker, stamp);
  for (std::size_t at; (at = body.find("{stamp}")) != std::string::npos;) {
    body.replace(at, 7, text);
  }
  std::string& out = pub_.out;
  out.clear();
  out += "POST " + o_.publish_path + " HTTP/1.1\r\nHost: " + o_.host + ":" +
         std::to_string(o_.port) + "\r\nContent-Type: " + o_.content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& h : o_.headers) out += h + "\r\n";
  out += "\r\n";
  out += body;
  pub_.sent = 0;
  pub_.ready = false;
  pub_.phase = Phase::kSending;
  outstanding_seq_ = next_seq_;
  ++next_seq_;
  publisher_send();
}

void Generator::publisher_send() {
  while (pub_.sent < pub_.out.size()) {
    const ssize_t n =
        ::send(pub_.fd, pub_.out.data() + pub_.sent, pub_.out.size() - pub_.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        watch(pub_.fd, kPublisherTag, EPOLLOUT | EPOLLIN | EPOLLRDHUP, false);
        return;
      }
      publisher_lost(std::string("send: ") + std::strerror(errno));
      return;
    }
    pub_.sent += static_cast<std::size_t>(n);
  }
  pub_.phase = Phase::kHead;
  pub_.head.clear();
  watch(pub_.fd, kPublisherTag, EPOLLIN | EPOLLRDHUP, false);
}

void Generator::publisher_lost(const std::string& reason) {
  const bool outstanding = pub_.phase == Phase::kSending || pub_.phase == Phase::kHead ||
                           (pub_.phase == Phase::kBody && !pub_.body.done());
  close_fd(pub_.fd, false);
  pub_ = Publisher{};
  if (outstanding) {
    ++answered_;
    ++publish_statuses_[reason];
  }
}

void Generator::on_publisher(std::uint32_t events) {
  if (pub_.phase == Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(pub_.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      close_fd(pub_.fd, false);
      pub_ = Publisher{};
      ++answered_;
      ++next_seq_;  // this event could not be sent at all
      ++publish_statuses_[std::string("connect: ") + std::strerror(err)];
      return;
    }
    pub_.phase = Phase::kIdle;
    pub_.ready = true;
    watch(pub_.fd, kPublisherTag, EPOLLIN | EPOLLRDHUP, false);
    publish_next();
    return;
  }
  if (pub_.phase == Phase::kSending && (events & EPOLLOUT)) {
    publisher_send();
    return;
  }
  publisher_read();
}

void Generator::publisher_read() {
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(pub_.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    const bool read_to_close =
        pub_.phase == Phase::kBody && !pub_.response.chunked && !pub_.response.content_length;
    if (n <= 0) {
      if (read_to_close) {
        ++answered_;
        ++publish_statuses_[std::to_string(pub_.response.status)];
        if (pub_.response.status / 100 == 2) {
          ++published_;
          event_ok_[outstanding_seq_] = true;
        }
        close_fd(pub_.fd, false);
        pub_ = Publisher{};
        return;
      }
      publisher_lost(n == 0 ? "closed by server" : std::strerror(errno));
      return;
    }
    std::string_view bytes(buf, static_cast<std::size_t>(n));
    if (pub_.phase == Phase::kIdle || pub_.ready) continue;  // unsolicited bytes: ignore
    std::string rest_store;
    if (pub_.phase == Phase::kHead) {
      pub_.head.append(bytes);
      const std::size_t end = pub_.head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      const auto head = parse_head(std::string_view(pub_.head).substr(0, end));
      if (!head) {
        publisher_lost("malformed response head");
        return;
      }
      pub_.response = *head;
      pub_.body.reset(*head);
      pub_.phase = Phase::kBody;
      rest_store = pub_.head.substr(end + 4);
      bytes = rest_store;
    }
    pub_.body.feed(bytes, [](std::string_view) {});
    if (pub_.body.error()) {
      publisher_lost("malformed response body");
      return;
    }
    if (pub_.body.done()) {
      ++answered_;
      ++publish_statuses_[std::to_string(pub_.response.status)];
      if (pub_.response.status / 100 == 2) {
        ++published_;
        event_ok_[outstanding_seq_] = true;
      }
      if (pub_.response.connection_close) {
        close_fd(pub_.fd, false);
        pub_ = Publisher{};
        return;
      }
      // The next POST goes out when it is due, from the loop's timer.
      pub_.ready = true;
      pub_.phase = Phase::kIdle;
      return;
    }
  }
}

template <class Done, class Tick>
void Generator::loop(std::int64_t deadline, Done done, Tick tick) {
  std::vector<epoll_event> ready(1024);
  while (!done() && !g_signalled) {
    const std::int64_t now = now_ns();
    if (deadline > 0 && now >= deadline) return;
    std::int64_t wake = tick();
    if (done()) return;
    if (deadline > 0 && (wake == 0 || deadline < wake)) wake = deadline;
    int timeout_ms = 100;
    if (wake > 0) {
      const std::int64_t wait = std::max<std::int64_t>(0, wake - now_ns());
      timeout_ms = static_cast<int>(std::min<std::int64_t>(100, (wait + kMs - 1) / kMs));
    }
    const int n = ::epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), timeout_ms);
    for (int k = 0; k < n; ++k) {
      const epoll_event& ev = ready[static_cast<std::size_t>(k)];
      if (ev.data.u64 == kPublisherTag) {
        if (pub_.fd >= 0) on_publisher(ev.events);
      } else {
        const auto i = static_cast<std::size_t>(ev.data.u64);
        if (subs_[i].fd >= 0) on_subscriber(i, ev.events);
      }
    }
  }
}

int Generator::run() {
  addr_.sin_family = AF_INET;
  addr_.sin_port = htons(static_cast<std::uint16_t>(o_.port));
  if (::inet_pton(AF_INET, o_.host.c_str(), &addr_.sin_addr) != 1) {
    std::cerr << "proof-loadgen: --host must be an IPv4 address, not " << o_.host << "\n";
    return 2;
  }
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  // The rest of each stream's GET after its Host line; the blank line is added per stream.
  subscribe_request_ = "Accept: text/event-stream\r\nCache-Control: no-cache\r\n";
  for (const auto& h : o_.subscribe_headers) subscribe_request_ += h + "\r\n";
  if (o_.subscribe_ports.empty()) o_.subscribe_ports.push_back(o_.port);
  for (const int port : o_.subscribe_ports) {
    sockaddr_in to = addr_;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    subscribe_addrs_.push_back(to);
  }

  subs_.resize(o_.subscribers);
  got_.assign(o_.subscribers * o_.events, 0);
  per_event_.assign(o_.events, 0);
  event_ok_.assign(o_.events, false);
  latencies_.reserve(o_.subscribers * o_.events);

  idle_ = snapshot(o_.server_pids);

  // 1. Open the streams, paced at --connect-rate.
  connect_begin_ns_ = now_ns();
  const auto resolved = [&] { return connected_ + failed_ >= o_.subscribers; };
  loop(
      0, [&] { return resolved(); },
      [&]() -> std::int64_t {
        const std::int64_t now = now_ns();
        std::size_t due = o_.subscribers;
        if (o_.connect_rate > 0) {
          const double elapsed = static_cast<double>(now - connect_begin_ns_) / 1e9;
          due = std::min(o_.subscribers, static_cast<std::size_t>(elapsed * o_.connect_rate) + 1);
        }
        // A bounded batch per turn keeps the streams already open being read.
        for (std::size_t batch = 0; started_ < due && batch < 500; ++batch) {
          start_subscriber(started_++);
        }
        if (started_ < o_.subscribers) {
          if (o_.connect_rate <= 0) return now;
          return connect_begin_ns_ +
                 static_cast<std::int64_t>(static_cast<double>(started_) / o_.connect_rate * 1e9);
        }
        // All started: give up on any that stay unanswered past the connect timeout.
        const std::int64_t limit = o_.connect_timeout_ms * kMs;
        std::int64_t next = 0;
        for (std::size_t i = 0; i < subs_.size(); ++i) {
          Subscriber& s = subs_[i];
          if (s.phase != Phase::kConnecting && s.phase != Phase::kSending &&
              s.phase != Phase::kHead) {
            continue;
          }
          if (now - s.started_ns >= limit) {
            subscriber_failed(i, "timeout");
          } else if (next == 0 || s.started_ns + limit < next) {
            next = s.started_ns + limit;
          }
        }
        return next;
      });
  const double connect_seconds =
      static_cast<double>((connected_ > 0 ? last_connected_ns_ : now_ns()) - connect_begin_ns_) /
      1e9;
  // A line for scripts that wait for the streams before starting other load.
  (void)std::fprintf(stderr, "proof-loadgen: %zu streams open, %zu failed\n", connected_, failed_);

  // 2. Let the server settle, then see what the open streams cost it.
  const std::int64_t settle_until = now_ns() + o_.settle_ms * kMs;
  loop(
      settle_until, [] { return false; },
      [&] {
        std::int64_t next = 0;
        reconnect_due(now_ns(), next);
        return next;
      });
  open_ = snapshot(o_.server_pids);

  // 3. Publish one event every --interval-ms; each POST waits for the previous answer.
  const std::int64_t publish_begin = now_ns();
  const std::int64_t publish_deadline =
      publish_begin + (static_cast<std::int64_t>(o_.events) * o_.interval_ms + 30000) * kMs;
  loop(
      publish_deadline, [&] { return answered_ >= o_.events && next_seq_ >= o_.events; },
      [&]() -> std::int64_t {
        const std::int64_t now = now_ns();
        std::int64_t next = 0;
        reconnect_due(now, next);
        const std::int64_t due =
            publish_begin + static_cast<std::int64_t>(next_seq_) * o_.interval_ms * kMs;
        if (next_seq_ < o_.events && now >= due) publish_next();
        if (next_seq_ >= o_.events) return next;
        const std::int64_t publish_at =
            publish_begin + static_cast<std::int64_t>(next_seq_) * o_.interval_ms * kMs;
        return next == 0 ? publish_at : std::min(next, publish_at);
      });
  publish_seconds_ = static_cast<double>(now_ns() - publish_begin) / 1e9;

  // 4. Wait for the deliveries still on their way.
  const std::size_t open_streams = o_.reconnect ? o_.subscribers : connected_ - closed_;
  const auto all_arrived = [&] {
    if (o_.reconnect && open_now_ < o_.subscribers) return false;
    for (std::size_t e = 0; e < next_seq_; ++e) {
      if (event_ok_[e] && per_event_[e] < open_streams) return false;
    }
    return true;
  };
  loop(now_ns() + o_.drain_ms * kMs, all_arrived, [&] {
    std::int64_t next = 0;
    reconnect_due(now_ns(), next);
    return next;
  });
  end_ = snapshot(o_.server_pids);

  // 5. Optionally keep the streams open (e.g. while wrk publishes).
  if (o_.hold_s != 0) {
    const std::int64_t until =
        o_.hold_s > 0 ? now_ns() + static_cast<std::int64_t>(o_.hold_s * 1e9) : 0;
    loop(
        until, [] { return false; }, [] { return std::int64_t{0}; });
  }

  for (auto& s : subs_) close_fd(s.fd, true);
  close_fd(pub_.fd, true);

  Json r = report();
  r["subscribers"]["connect_seconds"] = connect_seconds;
  if (o_.json) {
    std::cout << r.dump(2) << "\n";
  } else {
    print_text(r);
  }
  if (o_.require_complete && !r["complete"].get<bool>()) return 3;
  return 0;
}

double percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(std::lround(p / 100.0 * static_cast<double>(sorted.size() - 1)));
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]) / 1e6;
}

Json Generator::report() const {
  Json r;
  r["target"] = o_.host + ":" + std::to_string(o_.port);
  Json reasons = Json::object();
  for (const auto& [why, n] : fail_reasons_) reasons[why] = n;
  r["subscribers"] = {{"requested", o_.subscribers},
                      {"connected", connected_},
                      {"failed", failed_},
                      {"failed_by_reason", reasons},
                      {"closed_early", closed_}};
  if (o_.reconnect) {
    const auto seconds = [](std::int64_t ns) { return static_cast<double>(ns) / 1e9; };
    r["reconnect"] = {
        {"streams_lost", lost_},
        {"reconnected", reconnects_},
        {"attempts_refused_or_failed", retries_refused_},
        {"open_at_end", open_now_},
        {"all_back", first_loss_ns_ > 0 && all_back_ns_ > 0 && open_now_ == o_.subscribers},
        {"seconds_until_all_back",
         first_loss_ns_ > 0 && all_back_ns_ > 0 ? seconds(all_back_ns_ - first_loss_ns_) : 0.0}};
  }
  Json statuses = Json::object();
  for (const auto& [status, n] : publish_statuses_) statuses[status] = n;
  r["events"] = {{"requested", o_.events},
                 {"published", published_},
                 {"answers", statuses},
                 {"interval_ms", o_.interval_ms},
                 {"publish_seconds", publish_seconds_}};

  // Every event the server accepted should reach every stream that opened. Deliveries of
  // an event whose POST got no 2xx answer are real but counted apart.
  const std::size_t expected = published_ * connected_;
  std::size_t full = 0;
  std::size_t received = 0;
  for (std::size_t e = 0; e < o_.events; ++e) {
    if (!event_ok_[e]) continue;
    received += per_event_[e];
    if (per_event_[e] == connected_) ++full;
  }
  std::vector<std::uint32_t> counts;
  for (std::size_t e = 0; e < o_.events; ++e) {
    if (event_ok_[e]) counts.push_back(per_event_[e]);
  }
  r["deliveries"] = {
      {"expected", expected},
      {"received", received},
      {"received_unacknowledged", delivered_ - received},
      {"events_reaching_all", full},
      {"min_per_event", counts.empty() ? 0 : *std::min_element(counts.begin(), counts.end())},
      {"duplicates", duplicates_},
      {"unmarked_events", unmarked_},
      {"foreign_events", foreign_}};

  std::vector<std::int64_t> sorted = latencies_;
  std::sort(sorted.begin(), sorted.end());
  double mean = 0;
  for (const auto v : sorted) mean += static_cast<double>(v);
  if (!sorted.empty()) mean /= static_cast<double>(sorted.size()) * 1e6;
  r["latency_ms"] = {{"p50", percentile(sorted, 50)},
                     {"p90", percentile(sorted, 90)},
                     {"p99", percentile(sorted, 99)},
                     {"max", sorted.empty() ? 0.0 : static_cast<double>(sorted.back()) / 1e6},
                     {"mean", mean}};

  r["server"] = {{"pids", o_.server_pids},
                 {"idle", to_json(idle_)},
                 {"open", to_json(open_)},
                 {"end", to_json(end_)}};
  if (idle_.valid && open_.valid && connected_ > 0) {
    r["server"]["rss_per_subscriber_kb"] =
        static_cast<double>(open_.rss_kb - idle_.rss_kb) / static_cast<double>(connected_);
  }
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  r["loadgen_cpu_s"] = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                       static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  if (o_.reconnect) {
    // Through a restart: POSTs made while the server was down are refused and not counted;
    // every event accepted reached every page once, whichever connection carried it.
    r["complete"] = failed_ == 0 && open_now_ == o_.subscribers && received == expected &&
                    full == published_ && duplicates_ == 0;
  } else {
    r["complete"] = failed_ == 0 && closed_ == 0 && published_ == o_.events &&
                    received == expected && full == o_.events;
  }
  return r;
}

void Generator::print_text(const Json& r) const {
  const auto& s = r["subscribers"];
  const auto& d = r["deliveries"];
  const auto& l = r["latency_ms"];
  std::printf("target              %s\n", r["target"].get<std::string>().c_str());
  std::printf("subscribers         %zu connected, %zu failed, %zu closed early, of %zu in %.3f s\n",
              s["connected"].get<std::size_t>(), s["failed"].get<std::size_t>(),
              s["closed_early"].get<std::size_t>(), s["requested"].get<std::size_t>(),
              s["connect_seconds"].get<double>());
  for (const auto& [why, n] : s["failed_by_reason"].items()) {
    std::printf("  failed: %-16s %zu\n", why.c_str(), n.get<std::size_t>());
  }
  std::printf("events              %zu published of %zu\n",
              r["events"]["published"].get<std::size_t>(),
              r["events"]["requested"].get<std::size_t>());
  std::printf(
      "deliveries          %zu of %zu (%zu events reached all; %zu duplicates; %zu unmarked)\n",
      d["received"].get<std::size_t>(), d["expected"].get<std::size_t>(),
      d["events_reaching_all"].get<std::size_t>(), d["duplicates"].get<std::size_t>(),
      d["unmarked_events"].get<std::size_t>());
  std::printf("latency ms          p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
              l["p50"].get<double>(), l["p90"].get<double>(), l["p99"].get<double>(),
              l["max"].get<double>());
  for (const char* when : {"idle", "open", "end"}) {
    const auto& snap = r["server"][when];
    if (snap.is_null()) continue;
    std::printf("server %-4s         RSS %ld kB, %ld threads, %.2f s CPU\n", when,
                snap["rss_kb"].get<long>(), snap["threads"].get<long>(),
                snap["cpu_s"].get<double>());
  }
  if (r["server"].contains("rss_per_subscriber_kb")) {
    std::printf("RSS per subscriber  %.2f kB\n",
                r["server"]["rss_per_subscriber_kb"].get<double>());
  }
  std::printf("complete            %s\n", r["complete"].get<bool>() ? "yes" : "NO");
}

}  // namespace
}  // namespace loadgen

namespace {

/// main() itself, apart so that main can turn an exception into a message.
int run(int argc, char** argv) {
  loadgen::Options o;
  CLI::App app{
      "proof-loadgen: opens SSE subscribers, publishes stamped events over HTTP POST, and "
      "reports deliveries, latency and the server's memory"};
  app.add_option("--host", o.host, "Server IPv4 address")->capture_default_str();
  app.add_option("--port", o.port, "Server port")->required();
  app.add_option("--subscribe-path", o.subscribe_path, "Path of the event stream")
      ->capture_default_str();
  app.add_option("--publish-path", o.publish_path, "Path to POST events to")->capture_default_str();
  app.add_option("--publish-body-template", o.body_template,
                 "POST body; {stamp} becomes <marker><seq>.<send ns>")
      ->capture_default_str();
  app.add_option("--content-type", o.content_type, "Content-Type of the POSTs")
      ->capture_default_str();
  app.add_option("--header", o.headers, "Extra header on POSTs, e.g. 'Authorization: Bearer K'");
  app.add_option("--subscribe-header", o.subscribe_headers, "Extra header on stream requests");
  app.add_option("--subscribers", o.subscribers, "Streams to open")->capture_default_str();
  app.add_option("--events", o.events, "Events to publish")->capture_default_str();
  app.add_option("--interval-ms", o.interval_ms, "Time between events")->capture_default_str();
  app.add_option("--connect-rate", o.connect_rate, "New streams per second (0: no pacing)")
      ->capture_default_str();
  app.add_option("--connect-timeout-ms", o.connect_timeout_ms,
                 "A stream not open this long after its connect() counts as failed")
      ->capture_default_str();
  app.add_option("--settle-ms", o.settle_ms, "Pause after the streams open, before measuring")
      ->capture_default_str();
  app.add_option("--drain-ms", o.drain_ms, "Longest wait for deliveries after the last event")
      ->capture_default_str();
  app.add_option("--hold-seconds", o.hold_s,
                 "Keep the streams open this long after the events (negative: until SIGTERM)")
      ->capture_default_str();
  app.add_option("--server-pid", o.server_pids,
                 "Read RSS, threads and CPU of this process (repeatable: added up)");
  app.add_option("--subscribe-port", o.subscribe_ports,
                 "Open the streams round-robin on these ports (repeatable; default: --port, "
                 "where the POSTs go)");
  app.add_option("--sources", o.sources,
                 "Open the streams from this many loopback addresses (127.2.0.1...; 0: the "
                 "default one)")
      ->capture_default_str();
  app.add_flag("--reconnect", o.reconnect,
               "A stream that ends comes back as a browser's would: after the server's retry: "
               "delay, with Last-Event-ID (after 1 s, 2 s, 4 s... when refused)");
  app.add_option("--marker", o.marker, "Text that precedes each stamp")->capture_default_str();
  app.add_flag("--json", o.json, "Print the report as JSON");
  app.add_flag("--require-complete", o.require_complete,
               "Exit 3 unless every stream opened and every event reached every stream");
  CLI11_PARSE(app, argc, argv);

  // 10,000 streams need as many descriptors: take all the hard limit allows.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < o.subscribers + 16) {
      std::cerr << "proof-loadgen: " << o.subscribers << " streams need more than the "
                << lim.rlim_cur << " open files allowed\n";
      return 2;
    }
  }
  struct sigaction sa {};
  sa.sa_handler = loadgen::on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  (void)::signal(SIGPIPE, SIG_IGN);

  loadgen::Generator generator(std::move(o));
  return generator.run();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // Out of memory, or a report that cannot be written: say so, as a failed run.
    std::cerr << "proof-loadgen: " << e.what() << "\n";
    return 1;
  }
}
