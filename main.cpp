// proof: parse the settings, wire the hub to the HTTP server, serve until told to stop.
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "config.h"
#include "http_server.h"
#include "hub.h"
#include "logging.h"
#include "metrics.h"
#include "process.h"

int main(int argc, char** argv) {
  const proof::Invocation invocation = proof::parse_command_line(argc, argv);
  if (invocation.exit_code) return *invocation.exit_code;
  proof::Settings settings = invocation.settings;

  proof::setup_logging(settings.log_level);
  proof::raise_open_file_limit(settings.max_subscribers);

  proof::Hub hub(settings.history, settings.max_subscribers);
  proof::Metrics metrics;
  proof::HttpServer server(settings, hub, metrics);
  proof::handle_stop_signals([&server](int signal) {
    spdlog::info("signal {} received: closing streams and stopping", signal);
    server.stop();
  });
  if (!server.bind()) return 1;
  settings.port = server.port();
  spdlog::info("proof {} {}", proof::kVersion, proof::describe(settings));

  const bool drained = server.run();
  spdlog::info("stopped");
  if (!drained) {
    // A worker is still inside a request (a slow client mid-read): do not wait for it or
    // destroy what it uses; the kernel closes its socket as the process ends.
    spdlog::shutdown();
    std::_Exit(EXIT_SUCCESS);
  }
  return EXIT_SUCCESS;
}
