// connection.h over a real socket pair: what the kernel does not take is kept and written
// later in order, a stream's kept bytes are bounded by its backlog, and a closed peer is
// seen as closed.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "net/connection.h"

using proof::net::Connection;

namespace {

struct Pair {
  int ours = -1;
  int theirs = -1;
  Pair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
    ours = fds[0];
    theirs = fds[1];
    const int small = 4096;
    setsockopt(ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(theirs, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  }
  ~Pair() {
    if (theirs >= 0) ::close(theirs);
  }
  std::string drain() {
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(theirs, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
};

}  // namespace

TEST_CASE("Connection: bytes the socket cannot take yet are kept and sent in order",
          "[connection]") {
  Pair pair;
  Connection c(pair.ours, 1, {}, nullptr, 1 << 20);
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    const std::string piece = "event " + std::to_string(i) + std::string(1000, '.') + "\n";
    const std::string_view pieces[] = {piece};
    REQUIRE(c.send(pieces));
    expected += piece;
  }
  CHECK(c.has_output());  // 200 KB do not fit in a 4 KB socket buffer
  std::string received;
  for (int round = 0; round < 10000 && (c.has_output() || received.size() < expected.size());
       ++round) {
    received += pair.drain();
    REQUIRE(c.flush() != Connection::Io::closed);
  }
  received += pair.drain();
  CHECK_FALSE(c.has_output());
  CHECK(received == expected);
}

TEST_CASE("Connection: a stream that falls more than its backlog behind is refused",
          "[connection]") {
  Pair pair;
  Connection c(pair.ours, 1, {}, nullptr, std::size_t{16} * 1024);
  const std::string piece(1024, 'x');
  const std::string_view pieces[] = {piece};
  int accepted = 0;
  while (c.send(pieces) && accepted < 1000) ++accepted;
  CHECK(accepted < 1000);  // refused once the kept bytes passed 16 KB
  CHECK(accepted >= 16);   // and not before the kernel buffer and the backlog were full
}

TEST_CASE("Connection: a peer that went away reads as closed", "[connection]") {
  Pair pair;
  Connection c(pair.ours, 1, {}, nullptr, 1024);
  const std::string request = "GET / HTTP/1.1\r\n";
  REQUIRE(::send(pair.theirs, request.data(), request.size(), 0) ==
          static_cast<ssize_t>(request.size()));
  CHECK(c.read_available(1 << 16) == Connection::Io::again);
  CHECK(c.in == request);
  ::close(pair.theirs);
  pair.theirs = -1;
  CHECK(c.read_available(1 << 16) == Connection::Io::closed);
}

TEST_CASE("Connection: the wait list keeps the order connections began to wait in",
          "[connection]") {
  using proof::net::WaitList;
  Pair a, b, c;
  Connection first(a.ours, 1, {}, nullptr, 1024);
  Connection second(b.ours, 2, {}, nullptr, 1024);
  Connection third(c.ours, 3, {}, nullptr, 1024);
  WaitList fresh, idle;
  const auto t0 = WaitList::Clock::now();
  CHECK(fresh.front() == nullptr);
  CHECK(fresh.oldest() == -1);
  fresh.push_back(first, t0);
  fresh.push_back(second, t0 + std::chrono::seconds(1));
  fresh.push_back(third, t0 + std::chrono::seconds(2));
  CHECK(fresh.front() == &first);
  CHECK(fresh.oldest() == t0.time_since_epoch().count());
  fresh.remove(second);  // from the middle
  fresh.remove(first);   // from the front: the next one is the oldest now
  CHECK(fresh.front() == &third);
  CHECK(fresh.oldest() == (t0 + std::chrono::seconds(2)).time_since_epoch().count());
  idle.push_back(third, t0 + std::chrono::seconds(3));  // moves from one list to the other
  CHECK(fresh.front() == nullptr);
  CHECK(idle.front() == &third);
  idle.push_back(first, t0 + std::chrono::seconds(4));
  fresh.remove(first);  // not in that list: nothing happens
  CHECK(idle.front() == &third);
}

TEST_CASE("Connection: one accepted earlier but handed over later waits before the newer ones",
          "[connection]") {
  using proof::net::WaitList;
  Pair a, b, c;
  Connection own(a.ours, 1, {}, nullptr, 1024);
  Connection newer(b.ours, 2, {}, nullptr, 1024);
  Connection handed(c.ours, 3, {}, nullptr, 1024);
  WaitList fresh;
  const auto t0 = WaitList::Clock::now();
  fresh.push_back(own, t0 + std::chrono::seconds(1));
  fresh.push_back(newer, t0 + std::chrono::seconds(2));
  fresh.push_back(handed, t0);  // another loop accepted it first
  CHECK(fresh.front() == &handed);
  CHECK(fresh.oldest() == t0.time_since_epoch().count());
  fresh.remove(handed);
  CHECK(fresh.front() == &own);
  fresh.remove(own);
  CHECK(fresh.front() == &newer);
  fresh.remove(newer);
  CHECK(fresh.front() == nullptr);
  CHECK(fresh.oldest() == -1);
}

TEST_CASE("Connection: a connection leaves its wait list when it goes", "[connection]") {
  using proof::net::WaitList;
  Pair a, b;
  WaitList idle;
  Connection stays(b.ours, 2, {}, nullptr, 1024);
  {
    Connection goes(a.ours, 1, {}, nullptr, 1024);
    idle.push_back(goes, WaitList::Clock::now());
    idle.push_back(stays, WaitList::Clock::now());
  }
  CHECK(idle.front() == &stays);
}
