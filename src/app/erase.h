// `proof erase ID`: takes one event back (DELETE /events/ID), e.g. when a customer asks.
#pragma once

#include <string>

#include "app/config.h"

namespace proof::app {

/// Asks the server at `target` to erase event `id` with the key in `settings`; prints what
/// happened. kExitOk on 204, kExitFailure on 404 or any other failure (with the server's
/// message on stderr).
int erase_event(const Settings& settings, const ServerTarget& target, const std::string& id);

}  // namespace proof::app
