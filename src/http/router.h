// The HTTP layer's answer to the event loop (net::RequestHandler): one complete request, as
// the loop's strict parser read it, goes through CORS, one lookup in the route table
// (routes.h), the key check a route asks for and its handler, and comes back as the bytes
// of the answer or as a stream to open. Runs on the worker threads.
#pragma once

#include "http/context.h"
#include "http/routes.h"
#include "net/request_handler.h"

namespace proof::http {

class Router final : public net::RequestHandler {
 public:
  explicit Router(HttpContext& context) : context_(context) {}

  net::Answer answer(const net::Request& request) override;

  /// The limits and lanes the event loop applies, from the same table.
  const net::RequestPolicy& policy() const { return policy_; }

 private:
  /// Fills `res` for `req`: every refusal, every handler's answer, or a stream.
  void route(Request& req, Response& res);

  HttpContext& context_;
  RoutePolicy policy_;
};

}  // namespace proof::http
