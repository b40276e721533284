// The settings of a proof process and what it was started for: the types every command
// reads. They come from argv (command_line.h), merged with a config file and the
// environment (settings_sources.h) and checked as the server would (settings_check.h).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace proof::app {

/// proof's version: project(VERSION) in CMakeLists.txt, the one place it is written.
extern const char* const kVersion;

struct Settings {
  std::string bind = "127.0.0.1";
  int port = 6009;  ///< the original's port
  std::string api_key;
  /// A file holding the key alone (systemd's LoadCredential= puts one there), so that it is
  /// in no argv, environment or config file; read into api_key by the settings check.
  std::string api_key_file;
  std::vector<std::string> allowed_origins;  ///< normalised, see OriginPolicy::normalise
  std::string public_dir;                    ///< resolved to an existing directory
  std::size_t history = 100;                 ///< events kept for replay
  int heartbeat_seconds = 15;
  std::size_t max_subscribers = 10000;
  std::string log_level = "info";
  std::string tls_cert;  ///< PEM certificate chain; with tls_key, serve HTTPS directly
  std::string tls_key;   ///< PEM private key
  /// With tls_cert: plain HTTP on this port too (0: none), for ACME challenges from
  /// acme_webroot and a 308 to HTTPS for everything else.
  int http_port = 0;
  std::string acme_webroot;  ///< where certbot --webroot puts its challenges; empty: none
  std::string data_dir;      ///< SQLite history survives restarts here; empty: memory only
  long long history_max_age = 7LL * 24 * 3600;  ///< seconds an event stays replayable on disk
  std::size_t max_subscribers_per_ip = 100;     ///< streams one client address may hold; 0: any
  std::vector<std::string> trusted_proxies;     ///< peers whose X-Forwarded-For is believed
  double max_publish_rate = 100;                ///< signups per second; 0 turns the limit off
  /// redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///path; empty: no Redis. Printed
  /// with its password as ***.
  std::string redis_url;
  /// A file holding the Redis password alone (systemd's LoadCredential= puts one there).
  std::string redis_password_file;
  /// The password from redis_password_file or PROOF_REDIS_PASSWORD, for a URL without one;
  /// filled by the settings check, never printed.
  std::string redis_password;
  std::string redis_prefix = "proof";    ///< key namespace in Redis, [A-Za-z0-9_:-]{1,64}
  std::string display_name = "initial";  ///< initial | first | full | none
  int presence_interval = 10;            ///< seconds between presence updates, 1..3600
  /// The holdout experiment: the percentage of visitors who see no card (0: none runs; a
  /// change starts a new experiment).
  int holdout = 0;
  std::size_t threads = 0;  ///< event loops; 0: the cores it may use, at most 8
  bool hsts = false;        ///< Strict-Transport-Security on HTTPS answers (with tls_cert)
  /// Webhook signing secrets of the verified sources (/hooks/NAME), each repeatable for a
  /// rotation; never printed.
  std::vector<std::string> stripe_secrets;
  std::vector<std::string> shopify_secrets;
  std::vector<std::string> woocommerce_secrets;
  std::vector<std::string> lemonsqueezy_secrets;
  std::vector<std::string> webhook_secrets;  ///< Standard Webhooks: whsec_ + base64
  /// Files of such secrets, one a line, each list's lines added to its secrets above by the
  /// settings check (a file holds the old and new secret during a rotation).
  std::vector<std::string> stripe_secret_files;
  std::vector<std::string> shopify_secret_files;
  std::vector<std::string> woocommerce_secret_files;
  std::vector<std::string> lemonsqueezy_secret_files;
  std::vector<std::string> webhook_secret_files;
  bool accept_test_events = false;  ///< test-mode deliveries count (for setting up)
  /// Where the secrets came from, never what they are: one line per secret setting given,
  /// "stripe: 2 secrets (1 from /etc/proof/proof.conf, 1 from --stripe-secret)", for the
  /// start-up log and check-config. Filled by the settings check.
  std::vector<std::string> secret_sources;
  /// Where each setting given, other than a secret, came from: "--port", "PROOF_PORT",
  /// "/etc/proof/proof.conf" (a list: each of its sources), for check-config. Filled by the
  /// settings check.
  std::map<std::string, std::string> value_sources;
};

/// The process's exit status, the same for every command (documented in the README).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      ///< a runtime failure: cannot listen, store, reach the server...
  kExitBadSettings = 2,  ///< the flags or the config file are wrong; nothing was started
};

/// Where the operator commands (send, erase, stats, health) reach a running server.
struct ServerTarget {
  std::string url;      ///< scheme://host:port[/prefix]; empty means the settings' own address
  std::string ca_cert;  ///< PEM file to trust for https (a self-signed server), optional
  /// False only for `proof health` asking the settings' own address, which the certificate
  /// does not name (it names the public host); it sends no key.
  bool verify_certificate = true;
};

/// A test signup for `proof send`, posted to a running server.
struct SendRequest {
  std::string user;   ///< user_name
  std::string offer;  ///< offer_name
  std::string city;   ///< optional
  std::string img;    ///< img_path, optional
  std::string link;   ///< url the card leads to, optional
};

/// Which job the process was started for.
enum class Command {
  serve,         ///< the server itself (no subcommand)
  send,          ///< `proof send`: post one signup to a running server
  check_config,  ///< `proof check-config`: validate the settings and print them
  erase,         ///< `proof erase ID`: DELETE /events/ID
  stats,         ///< `proof stats`: GET /stats as a table
  health,        ///< `proof health`: GET /healthz, exit 0 when it answers 200
};

/// What main() should do after parsing.
struct Invocation {
  Command command = Command::serve;
  Settings settings;
  ServerTarget target;                ///< for send, erase, stats and health
  SendRequest send;                   ///< filled for Command::send
  std::string erase_id;               ///< for Command::erase: digits
  int stats_days = 30;                ///< for Command::stats
  std::vector<std::string> warnings;  ///< valid but probably not meant (the placeholder key)
  std::optional<int> exit_code;  ///< set when parsing already finished the job (--help, errors)
};

}  // namespace proof::app
