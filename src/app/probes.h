// What the settings name outside the process, asked as the server will ask it: whether the
// address can be listened on, and what Redis says to the address, user and password.
#pragma once

#include <optional>
#include <string>

#include "app/config.h"
#include "store/redis_address.h"

namespace proof::app {

/// Why the server could not listen on `address`, tried as it will be (net::listen, the
/// server's own way) but on port 0, so that a server already running on the real port does
/// not get in the way.
std::optional<std::string> bind_problem(const std::string& address);

/// Whether every address `address` stands for is a loopback one (127.0.0.0/8, ::1,
/// "localhost"): nothing from another machine can reach it.
bool is_loopback(const std::string& address);

/// The Redis of the settings (--redis), with its password from wherever it came; nullopt
/// without --redis.
std::optional<store::RedisAddress> redis_address(const Settings& settings);

/// What Redis says to the settings' address, user, password, database and prefix, asked
/// once as the server will ask it: `refusal` when it answered no (a wrong password, an ACL
/// that leaves proof's keys out, no such database), `unreachable` when it could not be
/// asked now. Both empty: it accepts. Neither message holds the password.
struct RedisCheck {
  std::optional<std::string> refusal;
  std::optional<std::string> unreachable;
};
RedisCheck check_redis(const Settings& settings);

}  // namespace proof::app
