// One client connection as the event loop sees it: its socket (plain or TLS), what has been
// read and not yet handled, what is waiting to be written, and where it is in its life.
// Owned and used by the loop thread only.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "net/caps.h"
#include "net/fanout.h"
#include "net/request_handler.h"
#include "net/request_head.h"

namespace proof::net {

struct Listener;

struct Peer {
  std::string ip;
  int port = 0;
  std::string local_ip;
  int local_port = 0;
};

/// The request a connection is reading, from its first byte until it is dispatched:
/// replaced whole by the next request's, never reset field by field.
struct RequestState {
  explicit RequestState(const HeadLimits& limits) : parser(limits) {}
  RequestHeadParser parser;         ///< reads the head, keeping its place
  std::optional<RequestHead> head;  ///< once complete
  std::optional<BodyReader> body;   ///< once the head is complete
  bool continue_sent = false;       ///< 100 Continue already written
  LargeBodySlot large_body;         ///< held while a body over the usual limit arrives
};

class Connection;

/// Connections in the order they began to wait for a request, so that near the connection
/// cap the one waiting longest makes room: one list for those that have not yet sent a
/// whole request, one for those idle between requests. Intrusive: a connection is in at
/// most one list and leaves it in O(1). Used by its loop's thread, except oldest().
class WaitList {
 public:
  using Clock = std::chrono::steady_clock;
  WaitList() = default;
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  /// Adds `c`, waiting since `since`, in the order of waiting: at the end unless others
  /// wait since later (a connection another loop accepted and handed over a moment before
  /// this loop's newest goes before it, a step or two from the end).
  void push_back(Connection& c, Clock::time_point since);
  /// Takes `c` out if it is in this list.
  void remove(Connection& c);
  Connection* front() const { return head_; }
  /// Since when the first one waits (steady clock, ns), or -1 when the list is empty; read
  /// by other loops' threads to choose which loop makes room.
  std::int64_t oldest() const { return oldest_.load(std::memory_order_relaxed); }

 private:
  void publish_oldest();
  Connection* head_ = nullptr;
  Connection* tail_ = nullptr;
  std::atomic<std::int64_t> oldest_{-1};
};

class Connection final : public StreamSink {
 public:
  using Clock = std::chrono::steady_clock;

  enum class State {
    handshake,   ///< TLS handshake in progress
    reading,     ///< waiting for (the rest of) a request
    dispatched,  ///< a worker is answering its request
    streaming,   ///< an event stream in the fan-out
    closing,     ///< writing its last answer, then closes
    lingering,   ///< answered and shut for writing: reading what the client still sends
  };

  /// Takes ownership of `fd` (and of `ssl`, which may be null for plain HTTP).
  Connection(int fd, std::uint64_t serial, Peer peer, SSL* ssl, std::size_t stream_backlog);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  enum class Io { ok, again, closed };

  /// Continues the TLS handshake; ok once it is done.
  Io handshake();

  /// Reads what the socket has, up to `limit` bytes in `in`, until it would block.
  Io read_available(std::size_t limit);

  /// Reads and throws away what the client sends (streams, lingering close).
  Io discard_available();

  /// StreamSink: writes at once what the socket takes and keeps the rest; false when the
  /// connection failed or its kept bytes passed the stream backlog.
  bool send(std::span<const std::string_view> pieces) override;

  /// Queues a whole answer (no backlog limit: answers are bounded by their size).
  void queue(std::string_view bytes);

  /// Writes pending output until done or the socket is full.
  Io flush();

  bool has_output() const { return sent_ < out_.size(); }

  /// Registers the socket with `epoll_fd` for reading. Writability is watched only while
  /// output is pending: with thousands of streams, an EPOLLOUT for every ACK after every
  /// event would wake the loop once per stream for nothing.
  bool watch(int epoll_fd, std::uint64_t tag);

  int fd() const { return fd_; }
  std::uint64_t serial() const { return serial_; }
  const Peer& peer() const { return peer_; }
  bool tls() const { return ssl_ != nullptr; }

  State state = State::reading;
  std::string in;  ///< bytes read and not yet consumed
  /// The request being read, if one has begun: on the heap, so that the thousands of open
  /// streams, which read none, do not each carry its parser and head (~0.5 kB).
  std::unique_ptr<RequestState> request;
  bool peer_closed = false;            ///< the client shut its side
  bool read_paused = false;            ///< stopped reading at the buffer limit
  Clock::time_point deadline{};        ///< what it means depends on the state
  Clock::time_point last_progress{};   ///< last time output moved or a request began
  std::shared_ptr<void> stream_slots;  ///< held while streaming
  Subscriber subscriber;               ///< its place in the fan-out while streaming
  ConnectionSlot slot;                 ///< its places under the connection caps
  const Listener* listener = nullptr;  ///< the socket it came in on: its handler and limits
  WaitList* waiting = nullptr;         ///< the list it is in while it waits for a request

 private:
  /// Writes `data` now; returns the bytes taken, or nullopt on a fatal error.
  std::optional<std::size_t> write_now(std::span<const std::string_view> pieces);
  /// Adds or removes EPOLLOUT as output becomes pending or is all written.
  void update_interest();

  int fd_;
  std::uint64_t serial_;
  Peer peer_;
  SSL* ssl_;
  std::size_t stream_backlog_;
  std::string out_;
  std::size_t sent_ = 0;
  int epoll_fd_ = -1;
  std::uint64_t tag_ = 0;
  bool watching_output_ = false;
  friend class WaitList;
  Connection* wait_prev_ = nullptr;
  Connection* wait_next_ = nullptr;
  Clock::time_point waiting_since_{};
};

}  // namespace proof::net
