#include "app/notify.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <dlfcn.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "core/error_text.h"

namespace proof::app {

namespace {

/// libsystemd and what it pulls in (libgcrypt, liblzma, libzstd, liblz4, libcap) cost
/// ~850 kB of resident memory, 8% of an idle proof, for two messages in a process's life.
/// So it is loaded only for the moment of a notification, and only under systemd.
using SdNotify = decltype(&sd_notify);

/// Sends one notification. A failure is logged, never fatal: systemd would then time the
/// start out, which reports the problem better than refusing to serve.
void notify(const std::string& state) {
  if (std::getenv("NOTIFY_SOCKET") == nullptr) return;
  void* library = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    spdlog::warn("could not notify systemd ({}): {}", state, dlerror());
    return;
  }
  const auto send = reinterpret_cast<SdNotify>(dlsym(library, "sd_notify"));
  const int result = send ? send(0, state.c_str()) : -ENOSYS;
  if (result < 0) {
    spdlog::warn("could not notify systemd ({}): {}", state, core::error_text(-result));
  }
  dlclose(library);
}

}  // namespace

void notify_ready(int port) {
  notify("READY=1\nSTATUS=Serving on port " + std::to_string(port));
}

void notify_stopping() {
  notify("STOPPING=1\nSTATUS=Closing streams");
}

}  // namespace proof::app
