#include "app/settings_table.h"

#include <arpa/inet.h>

#include <unistd.h>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "core/experiment.h"
#include "http/cors.h"
#include "sources/receiver.h"
#include "store/redis_address.h"

namespace proof::app {

namespace {

using Kind = SettingSpec::Kind;

SettingSpec row(std::string key, std::string value_name, std::string help,
                Kind kind = Kind::scalar) {
  SettingSpec spec;
  spec.key = std::move(key);
  spec.value_name = std::move(value_name);
  spec.help = std::move(help);
  spec.kind = kind;
  return spec;
}

template <typename T>
T whole_number(const std::string& text, T min, T max) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    throw SettingError("'" + text + "' is not a whole number");
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    throw SettingError(text + " is not between " + std::to_string(min) + " and " +
                       std::to_string(max));
  }
  return value;
}

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

/// A row for a whole-number field.
template <typename T>
SettingSpec whole(std::string key, std::string value_name, std::string help, T Settings::*field,
                  T min, T max) {
  SettingSpec spec = row(std::move(key), std::move(value_name), std::move(help));
  spec.assign = [field, min, max](Settings& s, const std::string& text) {
    s.*field = whole_number<T>(text, min, max);
  };
  spec.show = [field](const Settings& s) { return std::to_string(s.*field); };
  return spec;
}

SettingSpec real(std::string key, std::string value_name, std::string help, double Settings::*field,
                 double min, double max) {
  SettingSpec spec = row(std::move(key), std::move(value_name), std::move(help));
  spec.assign = [field, min, max](Settings& s, const std::string& text) {
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value)) {
      throw SettingError("'" + text + "' is not a number");
    }
    if (value < min || value > max) {
      throw SettingError(text + " is not between " + number_text(min) + " and " + number_text(max));
    }
    s.*field = value;
  };
  spec.show = [field](const Settings& s) { return number_text(s.*field); };
  return spec;
}

/// A row for a text field; `check` (optional) validates the final value.
SettingSpec text(std::string key, std::string value_name, std::string help,
                 std::string Settings::*field,
                 const std::function<void(const std::string&)>& check = nullptr) {
  SettingSpec spec = row(std::move(key), std::move(value_name), std::move(help));
  spec.assign = [field](Settings& s, const std::string& value) { s.*field = value; };
  if (check) spec.validate = [field, check](Settings& s) { check(s.*field); };
  spec.show = [field](const Settings& s) {
    return (s.*field).empty() ? std::string() : quoted(s.*field);
  };
  return spec;
}

SettingSpec choice(std::string key, std::string help, std::string Settings::*field,
                   const std::vector<std::string>& words) {
  std::string names;
  for (const auto& word : words) names += (names.empty() ? "" : "|") + word;
  SettingSpec spec = row(std::move(key), names, std::move(help));
  spec.assign = [field, words, names](Settings& s, const std::string& value) {
    for (const auto& word : words) {
      if (value == word) {
        s.*field = value;
        return;
      }
    }
    throw SettingError("'" + value + "' is not one of " + names);
  };
  spec.show = [field](const Settings& s) { return quoted(s.*field); };
  return spec;
}

/// A row for a list; `normalise` (optional) checks each element and returns its normal form.
SettingSpec list(std::string key, std::string value_name, std::string help,
                 std::vector<std::string> Settings::*field,
                 std::function<std::string(const std::string&)> normalise = nullptr) {
  SettingSpec spec = row(std::move(key), std::move(value_name), std::move(help), Kind::list);
  spec.assign = [field](Settings& s, const std::string& value) { (s.*field).push_back(value); };
  spec.items = [field](Settings& s) -> std::vector<std::string>& { return s.*field; };
  spec.normalise = std::move(normalise);
  spec.show = [field](const Settings& s) {
    std::string out;
    for (const auto& value : s.*field) out += (out.empty() ? "[" : ", ") + quoted(value);
    return out.empty() ? out : out + "]";
  };
  return spec;
}

SettingSpec flag(std::string key, std::string help, bool Settings::*field) {
  SettingSpec spec = row(std::move(key), "", std::move(help), Kind::flag);
  spec.assign = [field](Settings& s, const std::string& value) {
    if (value == "true" || value == "yes" || value == "on" || value == "1") {
      s.*field = true;
    } else if (value == "false" || value == "no" || value == "off" || value == "0") {
      s.*field = false;
    } else {
      throw SettingError("'" + value + "' is not true or false");
    }
  };
  spec.show = [field](const Settings& s) { return std::string(s.*field ? "true" : "false"); };
  return spec;
}

void readable_file(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw SettingError("'" + path + "' is not a file");
  }
  if (::access(path.c_str(), R_OK) != 0) throw SettingError("'" + path + "' cannot be read");
}

void directory_if_set(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_directory(path, ec)) {
    throw SettingError("'" + path + "' is not a directory");
  }
}

void existing_directory(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    throw SettingError("'" + path + "' is not a directory");
  }
}

std::string ip_address(const std::string& text) {
  unsigned char bytes[16];
  char normal[INET6_ADDRSTRLEN];
  for (const int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), bytes) == 1 &&
        inet_ntop(family, bytes, normal, sizeof normal) != nullptr) {
      return normal;  // one spelling per address, as the peer's address is written
    }
  }
  throw SettingError("'" + text + "' is not an IP address such as 127.0.0.1 or ::1");
}

std::string origin(const std::string& text) {
  auto normal = http::OriginPolicy::normalise(text);
  if (!normal) {
    throw SettingError("'" + text + "' is not an origin such as https://shop.example or *");
  }
  return *normal;
}

/// redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///path, read as the Redis store will.
void redis_url(const std::string& url) {
  if (url.empty()) return;
  std::string error;
  if (!store::parse_redis_url(url, error)) throw SettingError(error);
}

void redis_prefix(const std::string& prefix) {
  const bool ok = !prefix.empty() && prefix.size() <= 64 &&
                  prefix.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789_:-") == std::string::npos;
  if (!ok) throw SettingError("'" + prefix + "' is not 1 to 64 of A-Z a-z 0-9 _ : -");
}

std::vector<SettingSpec> make_table() {
  std::vector<SettingSpec> t;
  t.push_back(text("bind", "ADDR", "Address to listen on (0.0.0.0 or :: for every one)",
                   &Settings::bind, [](const std::string& bind) {
                     if (bind.empty()) throw SettingError("an empty address");
                   }));
  t.push_back(
      whole("port", "N", "TCP port to listen on (0 picks a free one)", &Settings::port, 0, 65535));
  auto key =
      text("api-key", "KEY", "Key publishers must send (or set PROOF_API_KEY)", &Settings::api_key);
  key.secret = true;
  t.push_back(std::move(key));
  auto key_file = text("api-key-file", "FILE",
                       "Read the key from FILE, alone on its line (systemd's LoadCredential=), "
                       "instead of --api-key",
                       &Settings::api_key_file);
  key_file.file_for = "api-key";
  t.push_back(std::move(key_file));
  t.push_back(list("allowed-origin", "ORIGIN",
                   "Origin whose pages may open streams, e.g. https://shop.example "
                   "(repeatable; * allows any)",
                   &Settings::allowed_origins, origin));
  t.push_back(text("public-dir", "DIR", "Directory served at / (widget, demo page)",
                   &Settings::public_dir));
  t.push_back(whole("history", "N", "Events kept for replay and resume", &Settings::history,
                    std::size_t{0}, std::size_t{100000}));
  t.push_back(whole("history-max-age", "S", "Seconds a stored event stays replayable",
                    &Settings::history_max_age, 1LL, 10LL * 365 * 24 * 3600));
  t.push_back(text("data-dir", "DIR",
                   "Keep the history in SQLite here, across restarts (default: memory only)",
                   &Settings::data_dir, directory_if_set));
  t.push_back(whole("heartbeat", "S", "Seconds between keep-alive comments",
                    &Settings::heartbeat_seconds, 1, 3600));
  t.push_back(whole("max-subscribers", "N", "Streams open at once, at most",
                    &Settings::max_subscribers, std::size_t{1}, std::size_t{1000000}));
  t.push_back(whole("max-subscribers-per-ip", "N",
                    "Streams one client address may hold (0: no limit)",
                    &Settings::max_subscribers_per_ip, std::size_t{0}, std::size_t{1000000}));
  t.push_back(list("trusted-proxy", "ADDR",
                   "IP address of a reverse proxy whose X-Forwarded-For names the client "
                   "(repeatable)",
                   &Settings::trusted_proxies, ip_address));
  t.push_back(real("max-publish-rate", "N",
                   "Signups accepted per second, in bursts of as many (0: no limit)",
                   &Settings::max_publish_rate, 0.0, 1e9));
  t.push_back(choice("display-name",
                     "How names appear on cards: initial (Jane D.), first (Jane), full, none "
                     "(someone)",
                     &Settings::display_name, {"initial", "first", "full", "none"}));
  t.push_back(whole("presence-interval", "S",
                    "Seconds between live-count updates on streams that ask for them",
                    &Settings::presence_interval, 1, 3600));
  t.push_back(whole("holdout", "PERCENT",
                    "Holdout experiment: the percentage of visitors who see no card, to "
                    "measure what the cards change (0: off; a new percentage starts anew)",
                    &Settings::holdout, 0, core::kMaxHoldoutPercent));
  t.push_back(whole("threads", "N",
                    "Event loops, each a thread owning its share of the connections (0: one per "
                    "core, at most 8)",
                    &Settings::threads, std::size_t{0}, std::size_t{64}));
  auto redis = text("redis", "URL",
                    "Share events with every instance on this Redis: "
                    "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///path (default: none, "
                    "this instance alone)",
                    &Settings::redis_url, redis_url);
  redis.show = [](const Settings& s) {
    return s.redis_url.empty() ? std::string() : quoted(store::redacted_redis_url(s.redis_url));
  };
  t.push_back(std::move(redis));
  t.push_back(text("redis-password-file", "FILE",
                   "Read the Redis password from FILE (or set PROOF_REDIS_PASSWORD) for a "
                   "--redis URL without one",
                   &Settings::redis_password_file, readable_file));
  t.push_back(text("redis-prefix", "NAME",
                   "Key namespace in Redis, so several sites can share one (A-Z a-z 0-9 _ : -)",
                   &Settings::redis_prefix, redis_prefix));
  t.push_back(text("tls-cert", "FILE", "PEM certificate chain: serve HTTPS (with --tls-key)",
                   &Settings::tls_cert, readable_file));
  t.push_back(
      text("tls-key", "FILE", "PEM private key for --tls-cert", &Settings::tls_key, readable_file));
  t.push_back(flag("hsts", "Send Strict-Transport-Security on HTTPS answers (with --tls-cert)",
                   &Settings::hsts));
  t.push_back(whole("http-port", "N",
                    "With --tls-cert, also plain HTTP on this port (80): ACME challenges from "
                    "--acme-webroot, a 308 to HTTPS for anything else (0: none)",
                    &Settings::http_port, 0, 65535));
  t.push_back(text("acme-webroot", "DIR",
                   "Serve /.well-known/acme-challenge/ on --http-port from DIR (certbot "
                   "certonly --webroot -w DIR)",
                   &Settings::acme_webroot, existing_directory));
  // Each source's secrets, and the files that hold more of them, one a line.
  const auto secret_list = [&t](const std::string& name, std::string help,
                                std::vector<std::string> Settings::*field,
                                std::vector<std::string> Settings::*files_field,
                                const std::string& source) {
    auto spec = list(name, "SECRET", std::move(help), field, [source](const std::string& secret) {
      if (auto problem = sources::secret_problem(source, secret)) {
        throw SettingError("a secret " + *problem);
      }
      return secret;
    });
    spec.secret = true;
    t.push_back(std::move(spec));
    auto files = list(
        name + "-file", "FILE",
        "Read secrets for --" + name +
            " from FILE, one a line, added to the others (systemd's LoadCredential=; repeatable)",
        files_field);
    files.file_for = name;
    t.push_back(std::move(files));
  };
  secret_list("stripe-secret",
              "Stripe webhook signing secret (whsec_...) for POST /hooks/stripe (repeatable: "
              "old and new during a rotation)",
              &Settings::stripe_secrets, &Settings::stripe_secret_files, "stripe");
  secret_list("shopify-secret",
              "Shopify webhook signing key (or app client secret) for POST /hooks/shopify "
              "(repeatable)",
              &Settings::shopify_secrets, &Settings::shopify_secret_files, "shopify");
  secret_list("woocommerce-secret",
              "WooCommerce webhook secret for POST /hooks/woocommerce (repeatable)",
              &Settings::woocommerce_secrets, &Settings::woocommerce_secret_files, "woocommerce");
  secret_list("lemonsqueezy-secret",
              "Lemon Squeezy webhook signing secret for POST /hooks/lemonsqueezy (repeatable)",
              &Settings::lemonsqueezy_secrets, &Settings::lemonsqueezy_secret_files,
              "lemonsqueezy");
  secret_list("webhook-secret",
              "Standard Webhooks secret (whsec_ + base64) for POST /hooks/standard (repeatable)",
              &Settings::webhook_secrets, &Settings::webhook_secret_files, "standard");
  t.push_back(flag("accept-test-events",
                   "Show test-mode deliveries (Stripe livemode false, Shopify test orders, Lemon "
                   "Squeezy test mode) as cards: for setting up only",
                   &Settings::accept_test_events));
  t.push_back(choice("log-level", "Least severe log level written", &Settings::log_level,
                     {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  return t;
}

}  // namespace

const std::vector<SettingSpec>& settings_table() {
  static const std::vector<SettingSpec> table = make_table();
  return table;
}

std::string quoted(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string bare(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

}  // namespace proof::app
