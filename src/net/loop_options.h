// What the event loops are told by the HTTP layer (http/http_server.cpp fills it): the
// sockets they listen on, each with its handler, limits and TLS; threads, caps, timeouts.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/presence.h"
#include "core/refusal.h"
#include "net/request_handler.h"
#include "net/request_head.h"
#include "net/tls_context.h"

namespace proof::net {

/// One listening socket and what the connections it brings are: HTTPS or plain HTTP,
/// answered by which handler, under which limits. Every listener's connections live in the
/// same loops under the same caps, timeouts and strict parser.
struct Listener {
  int fd = -1;  ///< bound and listening (made non-blocking by EventLoop; not owned)
  RequestHandler* handler = nullptr;  ///< answers its requests, on the worker threads
  /// Sizes of heads and bodies; its policy (the HTTP layer's route table) gives each
  /// request its body limit and its worker lane.
  HeadLimits head_limits;
  TlsContext* tls = nullptr;  ///< HTTPS when set (not owned; reloadable)
  /// Told of every refusal the loop writes itself (413, 408, 400...) on this listener's
  /// connections, with the request's target when it was read, so the HTTP layer can count
  /// them where they belong (a 413 on /hooks/stripe is a delivery Stripe sent; not on the
  /// plain port, where no route is). Runs on a loop thread (with threads > 1, on several at
  /// once); must be quick. May be empty.
  std::function<void(std::string_view target, const core::Refusal& refusal)> on_refused;
};

struct LoopOptions {
  /// Event loops, each a thread owning its share of the connections (--threads).
  std::size_t threads = 1;
  std::size_t workers = 4;  ///< threads answering requests, for all loops
  /// Open at once, in all loops. Past it, the oldest connection that has not yet sent a
  /// whole request is closed to make room (503); when there is none, the new one gets 503.
  std::size_t max_connections = 11024;
  std::size_t max_connections_per_address = 0;  ///< 0: no cap
  std::vector<std::string> uncapped_addresses;  ///< trusted proxies: many clients behind one
  std::chrono::seconds heartbeat{15};
  std::chrono::seconds presence_interval{10};  ///< least time between two live counts to a stream
  /// Where the live count meets other instances' (--redis); null: this instance alone.
  core::PresenceExchange* presence_exchange = nullptr;
  std::chrono::milliseconds request_timeout{5000};  ///< a started request must be complete by then
  std::chrono::milliseconds keep_alive_timeout{5000};  ///< an idle connection is closed after
  std::chrono::milliseconds write_timeout{10000};      ///< output that does not move for this long
  std::size_t stream_backlog = 64 * 1024;  ///< bytes a stream may fall behind before it is dropped
  /// Requests reading a body over head_limits.max_body_bytes at once (HeadLimits's large
  /// bodies): each may buffer about twice max_large_body_bytes, so this bounds what a crowd
  /// of slow senders can make the loop hold. Past it: 503 with Retry-After.
  std::size_t max_large_bodies = 16;
  /// A request a worker has not answered within this gets 503 and Retry-After from the
  /// loop (a stalled disk or Redis): platforms that retry a delivery want an answer within
  /// 5 s, and a 503 is better than a late 200. The worker's late answer is dropped.
  std::chrono::milliseconds answer_timeout{4500};
  bool hsts = false;  ///< Strict-Transport-Security on HTTPS answers
};

}  // namespace proof::net
