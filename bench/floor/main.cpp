// proof-floor: the floor under proof's fan-out. One thread, one epoll loop, no history, no
// caps, no parsing beyond what the load generator sends: each POST's body becomes one SSE
// frame in chunked framing (the bytes proof writes for a card of the same size), written
// with one send() to every open stream. Whatever proof spends above this on the same
// machine, for the same deliveries, is the cost of being a server rather than a loop; what
// this costs is the kernel's loopback TCP, which no server can avoid.
//
//   proof-floor --port N [--frame-bytes B]
//
// GET (any path): a stream. POST (any path): an event; answered 200 once written to all.
// Used by bench/run.py --setups floor (proof --threads 1 against it).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

struct Client {
  std::string in;        ///< request bytes not yet handled
  std::string out;       ///< bytes the socket would not take yet
  bool stream = false;   ///< a GET: receives every frame
  std::size_t body = 0;  ///< a POST's Content-Length, once its head is read
  bool in_body = false;
};

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

int g_epoll = -1;
std::unordered_map<int, Client> g_clients;
std::vector<int> g_streams;
std::size_t g_next_id = 1;
std::size_t g_frame_bytes = 0;

void close_client(int fd) {
  auto it = g_clients.find(fd);
  if (it != g_clients.end() && it->second.stream) {
    std::erase(g_streams, fd);
  }
  g_clients.erase(fd);
  ::close(fd);
}

/// Sends what it can; keeps the rest and asks for EPOLLOUT. False if the peer is gone.
bool send_or_keep(int fd, Client& c, std::string_view bytes) {
  if (c.out.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return false;
    const std::size_t sent = n < 0 ? 0 : static_cast<std::size_t>(n);
    if (sent == bytes.size()) return true;
    bytes.remove_prefix(sent);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.fd = fd;
    epoll_ctl(g_epoll, EPOLL_CTL_MOD, fd, &ev);
  }
  c.out.append(bytes);
  return true;
}

/// The frame proof would write: "id:" and "data:" lines in one chunk.
std::string frame_for(std::string_view body) {
  std::string event = "id: " + std::to_string(g_next_id++) + "\ndata: ";
  event.append(body);
  // Padding to proof's card size, as a field the EventSource grammar ignores.
  if (g_frame_bytes > event.size() + 12) {
    event += "\n:";
    event.append(g_frame_bytes - event.size() - 2, 'x');
  }
  event += "\n\n";
  char size[32];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", event.size());
  return std::string(size, static_cast<std::size_t>(n)) + event + "\r\n";
}

void publish(std::string_view body) {
  const std::string frame = frame_for(body);
  std::vector<int> gone;
  for (const int fd : g_streams) {
    if (!send_or_keep(fd, g_clients[fd], frame)) gone.push_back(fd);
  }
  for (const int fd : gone) close_client(fd);
}

/// Handles every whole request in the client's buffer; false if it must be closed.
bool handle(int fd, Client& c) {
  for (;;) {
    if (c.in_body) {
      if (c.in.size() < c.body) return true;
      const std::string body = c.in.substr(0, c.body);
      c.in.erase(0, c.body);
      c.in_body = false;
      publish(body);
      if (!send_or_keep(fd, c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) return false;
      continue;
    }
    const std::size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return c.in.size() < 16384;
    const std::string head = c.in.substr(0, end);
    c.in.erase(0, end + 4);
    if (head.rfind("GET ", 0) == 0) {
      c.stream = true;
      g_streams.push_back(fd);
      return send_or_keep(fd, c,
                          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                          "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
    }
    const char* length = strcasestr(head.c_str(), "\r\nContent-Length:");
    c.body = length == nullptr ? 0 : std::strtoul(length + 17, nullptr, 10);
    c.in_body = true;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--port") port = std::atoi(argv[i + 1]);
    if (flag == "--frame-bytes") g_frame_bytes = std::strtoul(argv[i + 1], nullptr, 10);
  }
  if (port <= 0) {
    (void)std::fprintf(stderr, "usage: proof-floor --port N [--frame-bytes B]\n");
    return 2;
  }
  (void)std::signal(SIGTERM, on_signal);
  (void)std::signal(SIGINT, on_signal);

  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 4096) != 0) {
    std::perror("proof-floor: listen");
    return 1;
  }
  g_epoll = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  epoll_ctl(g_epoll, EPOLL_CTL_ADD, listener, &ev);

  std::vector<epoll_event> events(1024);
  char buffer[16384];
  while (g_stop == 0) {
    const int n = epoll_wait(g_epoll, events.data(), static_cast<int>(events.size()), 500);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        for (int c; (c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // as proof does
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          epoll_ctl(g_epoll, EPOLL_CTL_ADD, c, &cev);
          g_clients[c];
        }
        continue;
      }
      auto it = g_clients.find(fd);
      if (it == g_clients.end()) continue;
      Client& c = it->second;
      if ((events[i].events & EPOLLOUT) != 0 && !c.out.empty()) {
        const ssize_t w = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
          close_client(fd);
          continue;
        }
        if (w > 0) c.out.erase(0, static_cast<std::size_t>(w));
        if (c.out.empty()) {
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = fd;
          epoll_ctl(g_epoll, EPOLL_CTL_MOD, fd, &cev);
        }
      }
      if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        const ssize_t r = ::recv(fd, buffer, sizeof buffer, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
          close_client(fd);
          continue;
        }
        if (r > 0) {
          c.in.append(buffer, static_cast<std::size_t>(r));
          if (!handle(fd, c)) close_client(fd);
        }
      }
    }
  }
  return 0;
}
