// `proof send`: the operator's way to check a deployment end to end by posting one signup.
#pragma once

#include "app/config.h"

namespace proof::app {

/// Posts `request` as a signup with the key in `settings` to `target`, prints the new
/// event's id to stdout, and returns the process exit status: kExitOk when the server
/// accepted it, otherwise kExitFailure with the server's (or the connection's) error on stderr.
int send_signup(const Settings& settings, const ServerTarget& target, const SendRequest& request);

}  // namespace proof::app
