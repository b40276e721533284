// What the event loop asks of the HTTP layer: turn one complete request (the head its strict
// parser read, and the body) into the bytes of its answer, or into a stream to join the
// fan-out. Runs on a worker thread; net/ knows nothing of routes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/request_head.h"

namespace proof::net {

/// An admitted GET /events: what the loop needs to write the stream's head and first bytes
/// and to place it in the fan-out.
struct StreamOpening {
  /// Response headers other than the framing ones (Content-Type, CORS, caching...).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string opening;             ///< retry: line and replayed events, already framed
  std::size_t opening_events = 0;  ///< events in `opening`, for the delivery counter
  std::uint64_t cursor = 0;        ///< live events after this id are due
  std::string channel;             ///< empty: every event
  bool presence = false;           ///< wants `event: presence` notices
  /// Held for the stream's life and dropped when it closes: gives back the caps' slots.
  std::shared_ptr<void> slots;
};

struct Request {
  /// The head exactly as the loop's parser read and checked it: the one parse of the
  /// request. Header values are as sent; nothing decodes them.
  RequestHead head;
  std::string body;  ///< the body's bytes (chunked framing removed)
  std::string remote_ip;
  int remote_port = 0;
  std::string local_ip;
  int local_port = 0;
  bool close = false;  ///< the connection ends after this answer (HTTP/1.0, Connection: close)
  bool tls = false;    ///< it came over HTTPS
};

struct Answer {
  std::string bytes;  ///< the complete response; ignored when `stream` is set
  bool close = false;
  std::unique_ptr<StreamOpening> stream;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual Answer answer(const Request& request) = 0;
};

}  // namespace proof::net
