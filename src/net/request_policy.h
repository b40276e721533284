// What the event loop asks of the layer above about a request as soon as its request line
// has been read, before any of its body: how large a body it may carry, and which of the
// worker pool's queues it waits in. The HTTP layer's route table answers
// (http/routes.h); the loop itself knows no paths.
#pragma once

#include <cstddef>
#include <string_view>

namespace proof::net {

/// The worker pool's queues, which take turns when several hold requests (WorkerPool), so
/// that no kind of request waits behind another kind's crowd: a reconnect storm's stream
/// handshakes, a platform's burst of webhook deliveries (large bodies, a signature each),
/// and everything else (POSTs, /healthz, files).
enum class Lane { requests, streams, hooks };
inline constexpr std::size_t kLanes = 3;

struct TargetPolicy {
  std::size_t max_body_bytes = 0;  ///< a body over it is refused with 413 as soon as it is known
  Lane lane = Lane::requests;
};

class RequestPolicy {
 public:
  virtual ~RequestPolicy() = default;
  /// For a request line's method and target exactly as sent. Called on a loop thread (on
  /// several at once with several loops): must be quick and must not block.
  virtual TargetPolicy policy(std::string_view method, std::string_view target) const = 0;
};

}  // namespace proof::net
