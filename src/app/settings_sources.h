// Where settings come from, merged into one Settings: the defaults, then the --config file,
// then PROOF_API_KEY for the key, then the flags, each value converted by its row of the
// settings table. A flag overrides the file's value of a scalar; a list's flags add to the
// file's list. Free of CLI11: the command line hands over its values as text.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/config.h"

namespace proof {

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
  /// As a message names it: "--port", "/etc/proof/proof.conf:12: port", "PROOF_API_KEY".
  std::string at;
  /// As a count of values per source names it: "--stripe-secret", "/etc/proof/proof.conf".
  std::string source;
};

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

/// The settings from the defaults, the file, the environment and the flags. Throws
/// BadSettings naming the flag, or the file, line and key, of a value that is wrong.
Settings collect(const GivenValues& values, Origins& origins);

}  // namespace proof
