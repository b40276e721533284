// The settings as people read them: the start-up log line and the config-file text that
// check-config prints, both with every secret redacted.
#pragma once

#include <string>

#include "app/config.h"

namespace proof::app {

/// The address the server listens on as a URL: http://[::]:6009 for bind "::".
std::string listen_url(const Settings& settings);

/// One line for the startup log, with the key redacted.
std::string describe(const Settings& settings);

/// The effective settings as config-file lines (`key = value`), the key redacted, then
/// where the secrets came from, as comments.
std::string to_config_text(const Settings& settings);

}  // namespace proof::app
