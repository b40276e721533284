#include "store/redis_address.h"

namespace proof {

namespace {

constexpr std::string_view kForms = "use redis://HOST:PORT[/DB] or unix:///path/to/redis.sock";

/// 1-5 digits, as a number; nullopt otherwise.
std::optional<int> small_number(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

/// "'URL' has no host: use ..." or "'URL': the port must be ...: use ...".
std::nullopt_t fail(std::string& error, std::string_view url, std::string_view what) {
  const bool sentence =
      what.starts_with("has ") || what.starts_with("is ") || what.starts_with("names ");
  error = "'" + std::string(url) + "'" + (sentence ? " " : ": ") + std::string(what) + ": " +
          std::string(kForms);
  return std::nullopt;
}

}  // namespace

std::optional<RedisAddress> parse_redis_url(std::string_view url, std::string& error) {
  RedisAddress address;
  if (url.starts_with("unix://")) {
    address.unix_path = url.substr(7);
    if (address.unix_path.size() < 2 || address.unix_path.front() != '/') {
      return fail(error, url, "names no absolute socket path");
    }
    return address;
  }
  if (!url.starts_with("redis://")) return fail(error, url, "is not a Redis URL");
  std::string_view rest = url.substr(8);
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const auto db = small_number(rest.substr(slash + 1));
    if (!db) return fail(error, url, "the database after / must be a number");
    address.db = *db;
    rest = rest.substr(0, slash);
  }
  if (rest.find('@') != std::string_view::npos) {
    return fail(error, url, "user names and passwords are not supported");
  }
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6]:PORT
    const auto close = rest.find("]:");
    if (close == std::string_view::npos)
      return fail(error, url, "has no port after the IPv6 address");
    address.host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos)
      return fail(error, url, "has no port (Redis listens on 6379)");
    address.host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (address.host.empty() || address.host.find_first_of(" /?#") != std::string::npos) {
    return fail(error, url, "has no host");
  }
  const auto number = small_number(port);
  if (!number || *number < 1 || *number > 65535) {
    return fail(error, url, "the port must be a number from 1 to 65535");
  }
  address.port = *number;
  return address;
}

}  // namespace proof
