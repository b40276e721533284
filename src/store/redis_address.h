// Where --redis points and who proof is there: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
// (the form of the Redis clients and docs) or unix:///path. Pure, so the settings check and
// the connection read the URL the same way, and so every message that quotes a URL quotes
// it with the password as ***.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace proof::store {

struct RedisAddress {
  std::string host;  ///< empty for a Unix socket
  int port = 6379;
  std::string unix_path;  ///< empty for TCP
  int db = 0;
  /// The ACL user (Redis 6+) for `AUTH user password`; empty: `AUTH password`, the default
  /// user's (legacy requirepass).
  std::string user;
  /// Empty: no AUTH. A secret: never logged, printed or put in a message.
  std::string password;
};

/// The address in `url`, user and password percent-decoded, or nullopt with `error` saying
/// what is wrong and what is expected (quoting the URL with its password as ***).
std::optional<RedisAddress> parse_redis_url(std::string_view url, std::string& error);

/// `url` with its password, if it has one, replaced by ***: for logs, check-config and
/// messages. Works on malformed URLs too, since those are the ones quoted in errors.
std::string redacted_redis_url(std::string_view url);

}  // namespace proof::store
