#include "store/redis_address.h"

namespace proof::store {

namespace {

constexpr std::string_view kForms =
    "use redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///path/to/redis.sock";

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

/// "'URL' has no host: use ..." or "'URL': the port must be ...: use ...", the URL redacted.
std::nullopt_t fail(std::string& error, std::string_view url, std::string_view what) {
  const bool sentence =
      what.starts_with("has ") || what.starts_with("is ") || what.starts_with("names ");
  error = "'" + redacted_redis_url(url) + "'" + (sentence ? " " : ": ") + std::string(what) + ": " +
          std::string(kForms);
  return std::nullopt;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `text` with each %XX replaced by its byte (a URL's user and password may hold @ : / only
/// so written); nullopt for a % not followed by two hex digits.
std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
    const int low = high >= 0 ? hex_digit(text[i + 2]) : -1;
    if (low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

/// Where the user information of `url` is: from after "scheme://" to the last '@' (hosts and
/// database numbers have none, passwords may), or nullopt when there is no '@'.
std::optional<std::pair<std::size_t, std::size_t>> userinfo_span(std::string_view url) {
  const auto scheme = url.find("://");
  const std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const auto at = url.rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  return std::pair{start, at};
}

}  // namespace

std::string redacted_redis_url(std::string_view url) {
  std::string out(url);
  const auto span = userinfo_span(url);
  if (!span) return out;
  const auto colon = url.substr(span->first, span->second - span->first).find(':');
  if (colon == std::string_view::npos) return out;  // a user name alone is no secret
  const std::size_t from = span->first + colon + 1;
  return out.replace(from, span->second - from, "***");
}

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
  if (const auto span = userinfo_span(url)) {
    const std::string_view userinfo = url.substr(span->first, span->second - span->first);
    rest = url.substr(span->second + 1);
    const auto colon = userinfo.find(':');
    const auto user = percent_decoded(userinfo.substr(0, colon));
    if (!user) return fail(error, url, "the user name has a % without two hex digits after it");
    address.user = *user;
    if (colon != std::string_view::npos) {
      const auto password = percent_decoded(userinfo.substr(colon + 1));
      if (!password) {
        return fail(error, url,
                    "the password has a % without two hex digits after it (write % as %25)");
      }
      address.password = *password;
    }
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const auto db = small_number(rest.substr(slash + 1));
    if (!db) return fail(error, url, "the database after / must be a number");
    address.db = *db;
    rest = rest.substr(0, slash);
  }
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6] or [IPv6]:PORT
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return fail(error, url, "has no ] after the IPv6 address");
    address.host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return fail(error, url, "has something other than :PORT after the IPv6 address");
    }
    if (!after.empty()) port = after.substr(1);
  } else {
    const auto colon = rest.find(':');
    address.host = rest.substr(0, colon);
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
    if (port.find(':') != std::string_view::npos) {
      return fail(error, url, "the IPv6 address must be in brackets, as in redis://[::1]:6379");
    }
  }
  if (address.host.empty() || address.host.find_first_of(" /?#@") != std::string::npos) {
    return fail(error, url, "has no host");
  }
  if (!port.empty() || rest.ends_with(':')) {
    const auto number = small_number(port);
    if (!number || *number < 1 || *number > 65535) {
      return fail(error, url, "the port must be a number from 1 to 65535");
    }
    address.port = *number;
  }
  return address;
}

}  // namespace proof::store
