// Everything the server checks at start, checked before it starts, so that check-config
// and a failed start say the same thing, each message naming where the value came from.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"
#include "app/settings_sources.h"

namespace proof::app {

/// Throws BadSettings, saying how to give one, when the settings have no API key.
void require_key(const Settings& settings);

/// Checks (and completes: the public directory, the Redis password) what the server would
/// check at start. Throws BadSettings; returns the warnings (valid but probably not meant).
/// Lists' repeats are left out (counted in `origins`), and settings.secret_sources filled.
std::vector<std::string> validate(Settings& settings, Origins& origins);

}  // namespace proof::app
