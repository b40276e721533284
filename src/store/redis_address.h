// Where --redis points: redis://HOST:PORT[/DB] or unix:///path. Pure, so the settings check
// and the connection read the URL the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace proof {

struct RedisAddress {
  std::string host;  ///< empty for a Unix socket
  int port = 0;
  std::string unix_path;  ///< empty for TCP
  int db = 0;
};

/// The address in `url`, or nullopt with `error` saying what is wrong and what is expected.
std::optional<RedisAddress> parse_redis_url(std::string_view url, std::string& error);

}  // namespace proof
