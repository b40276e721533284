// Where settings come from, merged into one Settings: the defaults, then the --config file,
// then the environment (PROOF_PORT for port: one variable per row of the settings table),
// then the flags, each value converted by its row of the table. For a scalar, each of these
// overrides the one before; a list's values add to those before. Free of CLI11: the command
// line hands over its values as text.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/config.h"

namespace proof::app {

/// The values given on the command line, as text, keyed by setting.
struct GivenValues {
  std::map<std::string, std::string> scalar;
  std::map<std::string, std::vector<std::string>> list;
  std::map<std::string, bool> flag;
  std::set<std::string> given;  ///< the keys whose flag was on the command line
  std::string config_file;      ///< --config, or empty
};

/// Where one value came from.
struct Origin {
  /// The sources in the order they are read: each overrides (a list: adds to) the one before.
  enum class Level { unknown, file, environment, flag };

  /// As a message names it: "--port", "/etc/proof/proof.conf:12: port", "PROOF_API_KEY".
  std::string at;
  /// As a count of values per source names it: "--stripe-secret", "/etc/proof/proof.conf".
  std::string source;
  Level level = Level::unknown;
};

/// The variable that gives a setting: "PROOF_" and the key in capitals, `-` as `_`
/// (max-subscribers: PROOF_MAX_SUBSCRIBERS).
std::string environment_name(const std::string& key);

/// A setting as the source at `level` names it: "--port", "PROOF_PORT" or "port".
std::string setting_name(const std::string& key, Origin::Level level);

/// Where each given setting, and each element of a list, came from.
struct Origins {
  std::map<std::string, Origin> of_key;  ///< the last source that gave each setting
  /// A list's elements' origins, in the list's order (kept in step by the settings check).
  std::map<std::string, std::vector<Origin>> of_items;
  /// A list's elements left out as repeats of one given before.
  std::map<std::string, std::size_t> repeats;
  /// Every file that gave a secret, so that its mode is checked: the --config file when it
  /// gives one itself (the key, a webhook secret, a Redis URL with a password), and each
  /// secret file read.
  std::vector<std::string> secret_files;

  /// Where `key` came from, for a message; "KEY (default)" when nothing gave it.
  std::string at(const std::string& key) const;
};

/// The settings from the defaults, the file (--config, else PROOF_CONFIG), the environment
/// and the flags. An empty variable counts as not set; a list's variable holds its values
/// separated by white space. Throws BadSettings naming the flag, the variable, or the file,
/// line and key, of a value that is wrong.
Settings collect(const GivenValues& values, Origins& origins);

}  // namespace proof::app
