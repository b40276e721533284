// `proof health`: GET /healthz of a running server, for a container's HEALTHCHECK, which
// has no curl to run: the image's own binary asks its own server.
#pragma once

#include "app/config.h"

namespace proof::app {

/// Asks `target` for /healthz and prints its answer. kExitOk when it answers 200;
/// kExitFailure, with the status and the reason on stderr, when it answers anything else
/// (503 "degraded" while Redis is unreachable) or nothing.
int check_health(const ServerTarget& target);

}  // namespace proof::app
