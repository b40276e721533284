// Secrets read from files of their own (systemd's LoadCredential= puts them in
// $CREDENTIALS_DIRECTORY), so that they stay out of argv, the environment and the config
// file, and where each secret came from. A secret is never quoted in a message: the file
// (and line) are named instead.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"
#include "app/settings_sources.h"

namespace proof {

/// The password in `path`: the file's content without one final line end. Throws
/// BadSettings, starting with `where`, when it cannot be read, is empty or has two lines.
std::string read_password_file(const std::string& path, const std::string& where);

/// Where the Redis password comes from: the URL, else redis-password-file, else
/// PROOF_REDIS_PASSWORD; given in the URL and the file both, it is refused as ambiguous.
void resolve_redis_password(Settings& settings, const Origins& origins,
                            std::vector<std::string>& warnings);

/// Where the secrets came from, one line per secret setting given (the API key, each
/// verified source's secrets): "stripe: 2 secrets (1 from /etc/proof/proof.conf, 1 from
/// --stripe-secret)". Never a secret.
std::vector<std::string> secret_sources(const Settings& settings, const Origins& origins);

}  // namespace proof
