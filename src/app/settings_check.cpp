// The checks the server makes at start, made before it starts: each setting's own check
// from the table, then those that take several settings together or look outside.
#include "app/settings_check.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "app/probes.h"
#include "app/secret_files.h"
#include "app/settings_table.h"
#include "app/tls_files.h"

#ifndef PROOF_DEFAULT_PUBLIC_DIR
#define PROOF_DEFAULT_PUBLIC_DIR "/usr/local/share/proof/public"
#endif
#ifndef PROOF_SOURCE_PUBLIC_DIR
#define PROOF_SOURCE_PUBLIC_DIR "public"
#endif

namespace proof::app {

namespace {

/// Keys anyone can read: the example's (a file copied without editing) and the README's
/// demo. Either would let anyone who read them publish.
constexpr const char* kPlaceholderKey = "change-me";
constexpr const char* kDemoKey = "demo-key";

/// Below this, a key could be guessed even at the ten tries a minute an address gets.
constexpr std::size_t kShortKey = 16;

/// Where public/ is when --public-dir is not given: installed, else the build tree's staged
/// copy (public/ with proof.js minified: cmake/widget.cmake).
std::string default_public_dir() {
  for (const char* candidate : {PROOF_DEFAULT_PUBLIC_DIR, PROOF_SOURCE_PUBLIC_DIR}) {
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
  }
  return "public";
}

/// Each setting's own check: a scalar's value, a list's elements one by one (a message
/// names the element's own origin, a line of the file or a flag), then a list's repeats
/// left out, so that a value given in the file and again as a flag counts once.
void check_each(Settings& s, Origins& origins) {
  for (const auto& spec : settings_table()) {
    if (spec.kind != SettingSpec::Kind::list) {
      if (!spec.validate) continue;
      try {
        spec.validate(s);
      } catch (const SettingError& e) {
        throw BadSettings(origins.at(spec.key) + ": " + e.what());
      }
      continue;
    }
    std::vector<std::string>& values = spec.items(s);
    std::vector<Origin>& from = origins.of_items[spec.key];
    from.resize(values.size(), Origin{spec.key, spec.key, Origin::Level::unknown});
    std::vector<std::string> kept;
    std::vector<Origin> kept_from;
    for (std::size_t i = 0; i < values.size(); ++i) {
      std::string value = values[i];
      if (spec.normalise) {
        try {
          value = spec.normalise(value);
        } catch (const SettingError& e) {
          throw BadSettings(from[i].at + ": " + e.what());
        }
      }
      if (std::find(kept.begin(), kept.end(), value) != kept.end()) {
        ++origins.repeats[spec.key];
        continue;
      }
      kept.push_back(std::move(value));
      kept_from.push_back(from[i]);
    }
    values = std::move(kept);
    from = std::move(kept_from);
  }
}

/// Where each setting given, other than a secret, came from: a scalar's last source, a
/// list's sources in the order they were read ("/etc/proof/proof.conf, --allowed-origin").
std::map<std::string, std::string> value_sources(const Origins& origins) {
  std::map<std::string, std::string> sources;
  for (const auto& spec : settings_table()) {
    if (spec.secret) continue;  // secret_sources says where those came from
    if (spec.kind != SettingSpec::Kind::list) {
      if (const auto it = origins.of_key.find(spec.key); it != origins.of_key.end()) {
        sources[spec.key] = it->second.source;
      }
      continue;
    }
    const auto it = origins.of_items.find(spec.key);
    if (it == origins.of_items.end()) continue;
    std::vector<std::string> seen;
    for (const Origin& origin : it->second) {
      if (std::find(seen.begin(), seen.end(), origin.source) == seen.end()) {
        seen.push_back(origin.source);
      }
    }
    std::string text;
    for (const auto& source : seen) text += (text.empty() ? "" : ", ") + source;
    if (!text.empty()) sources[spec.key] = text;
  }
  return sources;
}

}  // namespace

void require_key(const Settings& s) {
  if (s.api_key.empty()) {
    throw BadSettings(
        "no API key: give one with --api-key-file FILE (the key alone in it), --api-key KEY, "
        "the PROOF_API_KEY_FILE or PROOF_API_KEY environment variable, or api-key = \"KEY\" in "
        "the file named by --config");
  }
}

std::vector<std::string> validate(Settings& s, Origins& origins) {
  const auto source = [&origins](const std::string& key) { return origins.at(key); };
  resolve_api_key(s, origins);
  read_secret_files(s, origins);  // before the checks, which then name each secret's line
  check_each(s, origins);
  require_key(s);
  std::vector<std::string> warnings;
  resolve_redis_password(s, origins, warnings);
  if (s.tls_cert.empty() != s.tls_key.empty()) {
    const std::string given = s.tls_cert.empty() ? "tls-key" : "tls-cert";
    const std::string other = s.tls_cert.empty() ? "tls-cert" : "tls-key";
    // Named as the reader gave the first one: a flag, a variable, or a key of the file.
    throw BadSettings(source(given) + ": needs " +
                      setting_name(other, origins.of_key[given].level) +
                      " too (both for HTTPS, or neither for HTTP)");
  }
  if (!s.tls_cert.empty()) {
    if (auto problem = tls_pair_problem(s.tls_cert, s.tls_key)) {
      throw BadSettings(source("tls-key") + ": " + *problem);
    }
  }
  if (auto problem = bind_problem(s.bind)) throw BadSettings(source("bind") + ": " + *problem);
  if (s.public_dir.empty()) s.public_dir = default_public_dir();
  std::error_code ec;
  if (!std::filesystem::is_directory(s.public_dir, ec)) {
    throw BadSettings(source("public-dir") + ": '" + s.public_dir + "' is not a directory");
  }

  if (s.api_key == kPlaceholderKey || s.api_key == kDemoKey) {
    const std::string whose = s.api_key == kDemoKey ? "the README's demo key \"" + s.api_key + "\""
                                                    : "the example's key \"" + s.api_key + "\"";
    // On a loopback address only this machine can use it: fine for trying proof out.
    if (!is_loopback(s.bind)) {
      throw BadSettings(source("api-key") + ": the API key is " + whose +
                        ", which anyone can read, and --bind " + s.bind +
                        " is reachable from other machines; make a key with `openssl rand -hex "
                        "24`");
    }
    warnings.push_back(source("api-key") + ": the API key is still " + whose +
                       ": anyone who read it can publish; make one with `openssl rand -hex 24`");
  } else if (s.api_key.size() < kShortKey) {
    warnings.push_back(source("api-key") + ": the API key has " + std::to_string(s.api_key.size()) +
                       " characters; one of at least 16 cannot be guessed (`openssl rand -hex "
                       "24` makes one of 48)");
  }
  if (s.http_port != 0) {
    const std::string given = source("http-port");
    const std::string dashes = given.rfind("--", 0) == 0 ? "--" : "";
    if (s.tls_cert.empty()) {
      throw BadSettings(given + ": needs " + dashes + "tls-cert and " + dashes +
                        "tls-key too (the HTTP port redirects to HTTPS)");
    }
    if (s.http_port == s.port) {
      throw BadSettings(given + ": " + std::to_string(s.http_port) + " is the HTTPS " + dashes +
                        "port too; give each its own");
    }
  }
  if (!s.acme_webroot.empty() && s.http_port == 0) {
    warnings.push_back(source("acme-webroot") +
                       ": acme-webroot has no effect without http-port (the port ACME's "
                       "HTTP-01 challenges arrive on, 80)");
  }
  if (s.hsts && s.tls_cert.empty()) {
    warnings.push_back(source("hsts") +
                       ": hsts has no effect without tls-cert (behind a proxy, let the proxy send "
                       "Strict-Transport-Security)");
  }
  for (auto& warning : exposed_secret_files(origins)) warnings.push_back(std::move(warning));
  s.secret_sources = secret_sources(s, origins);
  s.value_sources = value_sources(origins);
  return warnings;
}

}  // namespace proof::app
