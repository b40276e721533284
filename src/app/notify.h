// Readiness and shutdown reports to the service manager (systemd's Type=notify).
// Each call is a no-op when the process was not started by systemd (no NOTIFY_SOCKET).
#pragma once

namespace proof::app {

/// Tells systemd the service is up: call once the listening socket accepts connections,
/// so units ordered after proof.service start only when it can be reached.
void notify_ready(int port);

/// Tells systemd the service is shutting down, so `systemctl status` shows it and a stop
/// in progress is not mistaken for a hang.
void notify_stopping();

}  // namespace proof::app
