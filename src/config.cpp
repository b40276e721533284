#include "config.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cors.h"

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

}  // namespace

Invocation parse_command_line(int argc, const char* const* argv) {
  Invocation result;
  Settings& s = result.settings;
  CLI::App app{"proof: self-hosted social proof. Signups POSTed to /signup reach every open "
               "page over Server-Sent Events.",
               "proof"};
  app.set_version_flag("--version", std::string("proof ") + kVersion);
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

  try {
    app.parse(argc, argv);
    check(s);
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
  out << ", api key " << (s.api_key.empty() ? "missing" : "set (redacted)");
  return out.str();
}

}  // namespace proof
