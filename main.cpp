// proof: parse the settings, then serve (wiring the hub to the HTTP server until told to
// stop), or run one of the operator commands: `proof send`, `proof check-config`.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "app/config.h"
#include "http/http_server.h"
#include "core/hub.h"
#include "app/logging.h"
#include "core/metrics.h"
#include "app/notify.h"
#include "app/process.h"
#include "app/send.h"
#include "store/sqlite_store.h"

namespace {

int serve(proof::Settings settings) {
  proof::setup_logging(settings.log_level);
  proof::raise_open_file_limit(settings.max_subscribers);

  std::unique_ptr<proof::EventStore> store;
  if (!settings.data_dir.empty()) {
    try {
      store = std::make_unique<proof::EventStore>(settings.data_dir, settings.history,
                                                  std::chrono::seconds(settings.history_max_age));
    } catch (const proof::StoreError& e) {
      spdlog::error("{}", e.what());
      return 1;
    }
  }
  proof::Hub hub(settings.history, settings.max_subscribers, store.get());
  proof::Metrics metrics;
  proof::HttpServer server(settings, hub, metrics);
  const proof::StopSignals stop_signals([&server](int signal) {
    spdlog::info("signal {} received: closing streams and stopping", signal);
    proof::notify_stopping();
    server.stop();
  });
  if (!server.bind()) return 1;
  settings.port = server.port();
  spdlog::info("proof {} {}", proof::kVersion, proof::describe(settings));
  // bind() leaves the socket listening: connections queue from here on, so systemd may
  // start what depends on proof before the accept loop runs.
  proof::notify_ready(settings.port);

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

}  // namespace

int main(int argc, char** argv) {
  const proof::Invocation invocation = proof::parse_command_line(argc, argv);
  if (invocation.exit_code) return *invocation.exit_code;
  switch (invocation.command) {
    case proof::Command::send:
      return proof::send_signup(invocation.settings, invocation.send);
    case proof::Command::check_config:
      std::cout << proof::to_config_text(invocation.settings);
      return EXIT_SUCCESS;
    case proof::Command::serve:
      break;
  }
  return serve(invocation.settings);
}
