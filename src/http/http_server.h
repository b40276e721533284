// proof's server: the listening sockets (HTTP or HTTPS, and with --http-port the plain one
// beside HTTPS), the event loop that owns every connection (net/server.h), the router that
// answers requests on its workers (http/router.h), and the certificate it can reload.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "http/options.h"

namespace proof::core {
class Experiment;
class Hub;
class KeyStore;
class Metrics;
class PresenceExchange;
class Tallies;
}  // namespace proof::core

namespace proof::http {

class HttpServer {
 public:
  /// `keys` remembers deliveries and Idempotency-Keys; `experiment` is the holdout
  /// experiment (--holdout); `presence`, when set, carries the live count to and from other
  /// instances (--redis).
  HttpServer(const HttpOptions& options, core::Hub& hub, core::Metrics& metrics,
             core::Tallies& tallies, core::KeyStore& keys, core::Experiment& experiment,
             core::PresenceExchange* presence = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds the listening socket; false (with the reason logged) when it cannot.
  bool bind();

  /// The bound port (useful with --port 0).
  int port() const;

  /// Loads --tls-cert and --tls-key again (after a renewal): connections made from now on
  /// get the new pair, open ones keep theirs. A pair that does not load is refused with a
  /// log line saying why, and the current one stays. False when nothing was loaded
  /// (refused, or no HTTPS). Safe from any thread.
  bool reload_tls();

  /// Serves until stop(), then ends every stream and finishes the requests in hand.
  void run();

  /// Ends every stream and stops accepting; safe to call from another thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace proof::http
