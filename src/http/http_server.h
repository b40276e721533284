// proof's server: the listening socket, the event loop that owns every connection
// (net/server.h), and cpp-httplib's routing run on its workers (http/router.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "app/config.h"

namespace proof {

class Hub;
class Metrics;
class PresenceExchange;
class Tallies;

class HttpServer {
 public:
  /// `presence`, when set, carries the live count to and from other instances (--redis).
  HttpServer(const Settings& settings, Hub& hub, Metrics& metrics, Tallies& tallies,
             PresenceExchange* presence = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds the listening socket; false (with the reason logged) when it cannot.
  bool bind();

  /// The bound port (useful with --port 0).
  int port() const;

  /// Serves until stop(). Returns true when every worker finished in time.
  bool run();

  /// Ends every stream and stops accepting; safe to call from another thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace proof
