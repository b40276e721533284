// Secrets read from files of their own (systemd's LoadCredential= puts them in
// $CREDENTIALS_DIRECTORY), so that they stay out of argv, the environment and the config
// file, and where each secret came from. A secret is never quoted in a message: the file
// (and line) are named instead.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"
#include "app/settings_sources.h"

namespace proof::app {

/// One line of a secret file that holds something, with its number for messages.
struct SecretLine {
  std::string text;
  int line = 0;  ///< 1-based
};

/// The lines of `path` that hold something, without the spaces, tabs and CR around them.
/// Throws BadSettings, starting with `where`, when the file cannot be read.
std::vector<SecretLine> read_secret_lines(const std::string& path, const std::string& where);

/// The one secret in `path` (the Redis password, the API key; `what` names it in a
/// message): blank lines and the spaces around it are ignored, no line or a second one is
/// refused, naming the file and the line.
std::string read_single_secret(const std::string& path, const std::string& where,
                               const std::string& what);

/// The key from api-key-file, where that is where it comes from: as for any setting with
/// one value, a flag (--api-key or --api-key-file) overrides the file; both given at one
/// level is refused as ambiguous.
void resolve_api_key(Settings& settings, Origins& origins);

/// Every secret file's lines (stripe-secret-file, ...) added to the list of secrets it is
/// for, each with its file and line as its origin. One secret a line: a line with a space
/// inside is refused (two secrets on one line would be read as one matching nothing).
void read_secret_files(Settings& settings, Origins& origins);

/// A warning for each file that gave a secret (origins.secret_files) and that its group or
/// others may read, naming it and its mode. Files in systemd's $CREDENTIALS_DIRECTORY are
/// the service's alone and not checked.
std::vector<std::string> exposed_secret_files(const Origins& origins);

/// Where the Redis password comes from: the URL, else redis-password-file, else
/// PROOF_REDIS_PASSWORD; given in the URL and the file both, it is refused as ambiguous.
void resolve_redis_password(Settings& settings, Origins& origins,
                            std::vector<std::string>& warnings);

/// Where the secrets came from, one line per secret setting given (the API key, each
/// verified source's secrets): "stripe: 2 secrets (1 from /etc/proof/proof.conf, 1 from
/// --stripe-secret)". Never a secret.
std::vector<std::string> secret_sources(const Settings& settings, const Origins& origins);

}  // namespace proof::app
