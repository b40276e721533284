// What the HTTP layer is told by the application: app/serve fills it from the settings, as
// it fills net::LoopOptions for the event loop, so nothing here reads app/.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/display_name.h"
#include "sources/receiver.h"

namespace proof::http {

struct HttpOptions {
  std::string bind;                          ///< address to listen on
  int port = 0;                              ///< 0: a free one
  std::string api_key;                       ///< publishers' and the operator's key
  std::vector<std::string> allowed_origins;  ///< normalised (OriginPolicy::normalise)
  std::string public_dir;                    ///< an existing directory
  std::size_t history = 0;                   ///< events kept for replay and resume
  int heartbeat_seconds = 15;
  std::size_t max_subscribers = 0;
  std::size_t max_subscribers_per_ip = 0;    ///< 0: any number
  std::vector<std::string> trusted_proxies;  ///< peers whose X-Forwarded-For is believed
  double max_publish_rate = 0;               ///< signups per second; 0: no limit
  core::DisplayName display_name = core::DisplayName::kInitial;
  int presence_interval = 10;  ///< seconds between two live counts to a stream
  std::size_t threads = 1;     ///< event loops (net::LoopOptions::threads)
  std::string tls_cert;        ///< with tls_key: serve HTTPS
  std::string tls_key;
  bool hsts = false;  ///< Strict-Transport-Security on HTTPS answers
  /// With tls_cert: also plain HTTP on this port (0: none), which answers ACME challenges
  /// from acme_webroot and redirects everything else to HTTPS.
  int http_port = 0;
  std::string acme_webroot;         ///< certbot's --webroot; empty: no challenges served
  sources::Secrets secrets;         ///< a /hooks/NAME route for each source with one
  bool accept_test_events = false;  ///< test-mode deliveries count as real (for setting up)
};

}  // namespace proof::http
