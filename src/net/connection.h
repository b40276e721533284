// One client connection as the event loop sees it: its socket (plain or TLS), what has been
// read and not yet handled, what is waiting to be written, and where it is in its life.
// Owned and used by the loop thread only.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "net/fanout.h"
#include "net/request_handler.h"
#include "net/request_head.h"

namespace proof::net {

struct Peer {
  std::string ip;
  int port = 0;
  std::string local_ip;
  int local_port = 0;
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
  Connection(int fd, std::uint64_t serial, Peer peer, SSL* ssl, std::size_t stream_backlog,
             const HeadLimits& limits = {});
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
  std::string in;                   ///< bytes read and not yet consumed
  std::optional<RequestHead> head;  ///< the current request's head, once complete
  RequestHeadParser head_parser;    ///< reads the current head, keeping its place
  std::optional<ChunkedBodyScanner> chunked_body;
  std::size_t body_scanned = 0;        ///< bytes of a chunked body already fed to the scanner
  bool continue_sent = false;          ///< 100 Continue already written for this request
  bool http10 = false;                 ///< the current request is HTTP/1.0
  bool close_after = false;            ///< the connection ends after the current answer
  bool peer_closed = false;            ///< the client shut its side
  bool read_paused = false;            ///< stopped reading at the buffer limit
  bool large_body = false;             ///< holds one of LoopOptions::max_large_bodies
  Clock::time_point deadline{};        ///< what it means depends on the state
  Clock::time_point last_progress{};   ///< last time output moved or a request began
  std::shared_ptr<void> stream_slots;  ///< held while streaming
  Subscriber subscriber;               ///< its place in the fan-out while streaming
  std::string address_key;             ///< counted against the per-address cap ("" if not)

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
};

}  // namespace proof::net
