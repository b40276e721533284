#include "app/config.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "http/cors.h"

#ifndef PROOF_DEFAULT_PUBLIC_DIR
#define PROOF_DEFAULT_PUBLIC_DIR "/usr/local/share/proof/public"
#endif
#ifndef PROOF_SOURCE_PUBLIC_DIR
#define PROOF_SOURCE_PUBLIC_DIR "public"
#endif

namespace proof {

namespace {

/// A problem with the settings that parsing alone cannot see.
struct SettingsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Where public/ is when --public-dir is not given: installed, else the source tree.
std::string default_public_dir() {
  for (const char* candidate : {PROOF_DEFAULT_PUBLIC_DIR, PROOF_SOURCE_PUBLIC_DIR}) {
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
  }
  return "public";
}

void check(Settings& s) {
  if (s.api_key.empty()) {
    throw SettingsError(
        "no API key: give one with --api-key KEY, the PROOF_API_KEY environment variable, or "
        "api-key = \"KEY\" in the file named by --config");
  }
  std::vector<std::string> origins;
  for (const auto& origin : s.allowed_origins) {
    auto normal = OriginPolicy::normalise(origin);
    if (!normal) {
      throw SettingsError("--allowed-origin '" + origin +
                          "' is not an origin such as https://shop.example or *");
    }
    origins.push_back(std::move(*normal));
  }
  s.allowed_origins = std::move(origins);
  if (s.tls_cert.empty() != s.tls_key.empty()) {
    throw SettingsError("--tls-cert and --tls-key go together: give both, or neither for HTTP");
  }
  if (s.public_dir.empty()) s.public_dir = default_public_dir();
  std::error_code ec;
  if (!std::filesystem::is_directory(s.public_dir, ec)) {
    throw SettingsError("--public-dir '" + s.public_dir + "' is not a directory");
  }
}

/// The server's options, shared by every command: the subcommands fall through to them, so
/// `proof send --config FILE` reads the same file (and key) the server does.
void add_server_options(CLI::App& app, Settings& s) {
  app.set_config("--config", "", "Read settings from FILE (key = value lines; see proof.conf.example)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.option_defaults()->always_capture_default();

  app.add_option("--bind", s.bind, "Address to listen on");
  app.add_option("--port", s.port, "TCP port to listen on (0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--api-key", s.api_key, "Key publishers must send (or set PROOF_API_KEY)")
      ->envname("PROOF_API_KEY");
  app.add_option("--allowed-origin", s.allowed_origins,
                 "Origin of a site whose pages may open streams, e.g. https://shop.example "
                 "(repeatable; * allows any)");
  app.add_option("--public-dir", s.public_dir, "Directory served at / (widget, demo page)");
  app.add_option("--history", s.history, "Events kept for replay and resume")
      ->check(CLI::Range(std::size_t{0}, std::size_t{100000}));
  app.add_option("--heartbeat", s.heartbeat_seconds, "Seconds between keep-alive comments")
      ->check(CLI::Range(1, 3600));
  app.add_option("--max-subscribers", s.max_subscribers, "Streams open at once, at most")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  app.add_option("--log-level", s.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  app.add_option("--tls-cert", s.tls_cert, "PEM certificate chain: serve HTTPS (with --tls-key)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", s.tls_key, "PEM private key for --tls-cert")->check(CLI::ExistingFile);
  app.add_option("--data-dir", s.data_dir,
                 "Keep the history in SQLite here, across restarts (default: memory only)");
  app.add_option("--history-max-age", s.history_max_age,
                 "Seconds a stored event stays replayable")
      ->check(CLI::Range(1LL, 10LL * 365 * 24 * 3600));
  app.add_option("--max-subscribers-per-ip", s.max_subscribers_per_ip,
                 "Streams one client address may hold (0: no limit)");
  app.add_option("--trusted-proxy", s.trusted_proxies,
                 "Address of a reverse proxy whose X-Forwarded-For names the client (repeatable)");
  app.add_option("--max-publish-rate", s.max_publish_rate,
                 "Signups accepted per second, in bursts of as many (0: no limit)")
      ->check(CLI::Range(0.0, 1e9));
}

CLI::App* add_send_command(CLI::App& app, SendRequest& r) {
  auto* send = app.add_subcommand(
      "send", "Post a test signup to a running server, with the key from --config, "
              "--api-key or PROOF_API_KEY; prints the event id");
  send->fallthrough();
  send->add_option("--url", r.url,
                   "Server to post to, e.g. https://proof.example (default: the --bind and "
                   "--port of the settings)");
  send->add_option("--user", r.user, "user_name of the signup")->required();
  send->add_option("--offer", r.offer, "offer_name of the signup")->required();
  send->add_option("--city", r.city, "city of the signup");
  send->add_option("--img", r.img, "img_path of the signup");
  send->add_option("--link", r.link, "url a click on the card leads to");
  send->add_option("--ca-cert", r.ca_cert, "PEM certificate to trust for an https --url")
      ->check(CLI::ExistingFile);
  return send;
}

/// The server's own address as a URL, for `proof send` run on the server's machine.
std::string own_url(const Settings& s) {
  std::string host = s.bind;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return (s.tls_cert.empty() ? "http://" : "https://") + host + ":" + std::to_string(s.port);
}

/// CLI11 reports an unknown key in a config file as "INI was not able to parse KEY";
/// say it in the words a reader of the file needs.
std::string explain_config_error(const CLI::ConfigError& e, const std::string& file) {
  const std::string what = e.what();
  const std::string prefix = "INI was not able to parse ";
  if (what.rfind(prefix, 0) == 0) {
    return "unknown key '" + what.substr(prefix.size()) + "' in " + file;
  }
  return file + ": " + what;
}

}  // namespace

Invocation parse_command_line(int argc, const char* const* argv) {
  Invocation result;
  Settings& s = result.settings;
  CLI::App app{"proof: self-hosted social proof. Signups POSTed to /signup reach every open "
               "page over Server-Sent Events.",
               "proof"};
  app.set_version_flag("--version", std::string("proof ") + kVersion);
  add_server_options(app, s);
  auto* send = add_send_command(app, result.send);
  auto* check_config = app.add_subcommand(
      "check-config", "Validate the settings (--config FILE and any flags) and print the "
                      "effective ones with the key redacted; exit status 0 when valid");
  check_config->fallthrough();
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
    if (send->parsed()) {
      result.command = Command::send;
      if (result.send.url.empty()) result.send.url = own_url(s);
      if (s.api_key.empty()) check(s);  // for its message about where a key comes from
    } else {
      if (check_config->parsed()) result.command = Command::check_config;
      check(s);
    }
  } catch (const CLI::ConfigError& e) {
    const auto* config = app.get_config_ptr();
    std::cerr << "proof: " << explain_config_error(e, config ? config->as<std::string>() : "")
              << '\n';
    result.exit_code = 2;
  } catch (const CLI::ParseError& e) {
    result.exit_code = app.exit(e);
  } catch (const SettingsError& e) {
    std::cerr << "proof: " << e.what() << '\n';
    result.exit_code = 2;
  }
  return result;
}

std::string describe(const Settings& s) {
  std::ostringstream out;
  out << "listening on " << (s.tls_cert.empty() ? "http://" : "https://") << s.bind << ':' << s.port << ", history " << s.history
      << ", heartbeat " << s.heartbeat_seconds << "s, max subscribers " << s.max_subscribers
      << ", public dir " << s.public_dir << ", allowed origins ";
  if (s.allowed_origins.empty()) out << "(same origin only)";
  for (std::size_t i = 0; i < s.allowed_origins.size(); ++i) {
    out << (i ? "," : "") << s.allowed_origins[i];
  }
  out << ", data dir " << (s.data_dir.empty() ? "(none: history in memory)" : s.data_dir)
      << ", max subscribers per ip " << s.max_subscribers_per_ip << ", max publish rate "
      << s.max_publish_rate << "/s";
  out << ", api key " << (s.api_key.empty() ? "missing" : "set (redacted)");
  return out.str();
}

namespace {

/// A config-file string: quoted, with the quote and backslash escaped.
std::string quoted(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

}  // namespace

std::string to_config_text(const Settings& s) {
  std::ostringstream out;
  // Unset optional keys are written as comments: CLI11 refuses an empty list, and an empty
  // file name fails the file-exists check, so the output must read back as it is.
  const auto list = [&out](const char* key, const std::vector<std::string>& values) {
    if (values.empty()) {
      out << "# " << key << " = [] (none)\n";
      return;
    }
    out << key << " = [";
    for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << quoted(values[i]);
    out << "]\n";
  };
  const auto optional = [&out](const char* key, const std::string& value) {
    if (value.empty()) {
      out << "# " << key << " = (not set)\n";
    } else {
      out << key << " = " << quoted(value) << '\n';
    }
  };
  out << "bind = " << quoted(s.bind) << '\n'
      << "port = " << s.port << '\n'
      << "api-key = " << (s.api_key.empty() ? "\"\"" : "\"(redacted)\"") << '\n';
  list("allowed-origin", s.allowed_origins);
  out << "public-dir = " << quoted(s.public_dir) << '\n'
      << "history = " << s.history << '\n'
      << "heartbeat = " << s.heartbeat_seconds << '\n'
      << "max-subscribers = " << s.max_subscribers << '\n'
      << "log-level = " << quoted(s.log_level) << '\n';
  optional("tls-cert", s.tls_cert);
  optional("tls-key", s.tls_key);
  optional("data-dir", s.data_dir);
  out << "history-max-age = " << s.history_max_age << '\n'
      << "max-subscribers-per-ip = " << s.max_subscribers_per_ip << '\n';
  list("trusted-proxy", s.trusted_proxies);
  out << "max-publish-rate = " << s.max_publish_rate << '\n';
  return out.str();
}

}  // namespace proof
