// Settings from the command line, a config file (--config) and the environment.
// Precedence: a flag, then the file, then PROOF_API_KEY for the key; then the default.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace proof {

inline constexpr const char* kVersion = "0.1.0";

struct Settings {
  std::string bind = "127.0.0.1";
  int port = 6009;  ///< the original's port
  std::string api_key;
  std::vector<std::string> allowed_origins;  ///< normalised, see OriginPolicy::normalise
  std::string public_dir;                    ///< resolved to an existing directory
  std::size_t history = 100;                 ///< events kept for replay
  int heartbeat_seconds = 15;
  std::size_t max_subscribers = 10000;
  std::string log_level = "info";
  std::string tls_cert;  ///< PEM certificate chain; with tls_key, serve HTTPS directly
  std::string tls_key;   ///< PEM private key
  bool hsts = false;     ///< Strict-Transport-Security on HTTPS answers
  std::string data_dir;  ///< SQLite history survives restarts here; empty: memory only
  long long history_max_age = 7 * 24 * 3600;  ///< seconds an event stays replayable on disk
  std::size_t max_subscribers_per_ip = 100;   ///< streams one client address may hold; 0: any
  std::vector<std::string> trusted_proxies;   ///< peers whose X-Forwarded-For is believed
  double max_publish_rate = 100;              ///< signups per second; 0 turns the limit off
};

/// A test signup for `proof send`, posted to a running server.
struct SendRequest {
  std::string url;      ///< scheme://host:port of the server; empty means the config's own
  std::string user;     ///< user_name
  std::string offer;    ///< offer_name
  std::string city;     ///< optional
  std::string img;      ///< img_path, optional
  std::string link;     ///< url the card leads to, optional
  std::string ca_cert;  ///< PEM file to trust for https (a self-signed server), optional
};

/// Which job the process was started for.
enum class Command {
  serve,         ///< the server itself (no subcommand)
  send,          ///< `proof send`: post one signup to a running server
  check_config,  ///< `proof check-config`: validate the settings and print them
};

/// What main() should do after parsing.
struct Invocation {
  Command command = Command::serve;
  Settings settings;
  SendRequest send;              ///< filled for Command::send
  std::optional<int> exit_code;  ///< set when parsing already finished the job (--help, errors)
};

/// Parses argv. Help, version and every error are printed here (to stdout or stderr);
/// then `exit_code` tells main() to stop.
Invocation parse_command_line(int argc, const char* const* argv);

/// One line for the startup log, with the key redacted.
std::string describe(const Settings& settings);

/// The effective settings as config-file lines (`key = value`), the key redacted.
std::string to_config_text(const Settings& settings);

}  // namespace proof
