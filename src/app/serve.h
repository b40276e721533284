// `proof` with no command: the server, until SIGTERM or SIGINT.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

namespace proof::app {

/// Serves with `settings` (logging `warnings` first); returns the process's exit code.
int serve(Settings settings, const std::vector<std::string>& warnings);

}  // namespace proof::app
