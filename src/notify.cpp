#include "notify.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstring>
#include <string>

namespace proof {

namespace {

/// Sends one notification. A failure is logged, never fatal: systemd would then time the
/// start out, which reports the problem better than refusing to serve.
void notify(const std::string& state) {
  const int result = sd_notify(0, state.c_str());
  if (result < 0) spdlog::warn("could not notify systemd ({}): {}", state, std::strerror(-result));
}

}  // namespace

void notify_ready(int port) {
  notify("READY=1\nSTATUS=Serving on port " + std::to_string(port));
}

void notify_stopping() {
  notify("STOPPING=1\nSTATUS=Closing streams");
}

}  // namespace proof
