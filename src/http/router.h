// cpp-httplib as a request processor for the event loop: the loop hands over a complete
// request held in its own buffer, and the library parses, routes and answers it into
// another buffer, on a worker thread, without ever touching a socket. The seam is
// Server::process_request(Stream&, ...), protected but exported by Debian's 0.11.4.
#pragma once

#include <httplib.h>

#include <memory>

#include "http/context.h"
#include "net/request_handler.h"

namespace proof {

class Router final : public httplib::Server, public net::RequestHandler {
 public:
  explicit Router(HttpContext& context);

  net::Answer answer(const net::Request& request) override;
};

/// Called by GET /events once the stream is admitted: the loop takes the connection over
/// as a stream when the current request's answer is done. Only inside Router::answer.
void hand_over_stream(std::unique_ptr<net::StreamOpening> stream);

}  // namespace proof
