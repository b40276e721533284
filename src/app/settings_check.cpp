// The checks the server makes at start, made before it starts: each setting's own check
// from the table, then those that take several settings together or look outside.
#include "app/settings_check.h"

#include <filesystem>

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

namespace proof {

namespace {

/// The example's key: a file copied without editing would publish to anyone who read it.
constexpr const char* kPlaceholderKey = "change-me";

/// Where public/ is when --public-dir is not given: installed, else the build tree's staged
/// copy (public/ with proof.js minified: cmake/widget.cmake).
std::string default_public_dir() {
  for (const char* candidate : {PROOF_DEFAULT_PUBLIC_DIR, PROOF_SOURCE_PUBLIC_DIR}) {
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
  }
  return "public";
}

}  // namespace

void require_key(const Settings& s) {
  if (s.api_key.empty()) {
    throw BadSettings(
        "no API key: give one with --api-key KEY, the PROOF_API_KEY environment variable, or "
        "api-key = \"KEY\" in the file named by --config");
  }
}

std::vector<std::string> validate(Settings& s, const Origins& origins) {
  const auto source = [&origins](const std::string& key) { return origin_of(origins, key); };
  for (const auto& spec : settings_table()) {
    if (!spec.validate) continue;
    try {
      spec.validate(s);
    } catch (const SettingError& e) {
      throw BadSettings(source(spec.key) + ": " + e.what());
    }
  }
  require_key(s);
  std::vector<std::string> warnings;
  resolve_redis_password(s, origins, warnings);
  if (s.tls_cert.empty() != s.tls_key.empty()) {
    const std::string given = source(s.tls_cert.empty() ? "tls-key" : "tls-cert");
    const std::string other = s.tls_cert.empty() ? "tls-cert" : "tls-key";
    // Named as the reader gave the first one: a flag, or a key of the file.
    throw BadSettings(given + ": needs " + (given.rfind("--", 0) == 0 ? "--" : "") + other +
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

  if (s.api_key == kPlaceholderKey) {
    warnings.push_back(source("api-key") + ": the API key is still the example's \"" +
                       kPlaceholderKey +
                       "\": anyone who read the example can publish; make "
                       "one with `openssl rand -hex 24`");
  }
  if (s.hsts && s.tls_cert.empty()) {
    warnings.push_back(source("hsts") +
                       ": hsts has no effect without tls-cert (behind a proxy, let the proxy send "
                       "Strict-Transport-Security)");
  }
  return warnings;
}

}  // namespace proof
