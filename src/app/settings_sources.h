// Where settings come from, merged into one Settings: the defaults, then the --config file,
// then PROOF_API_KEY for the key, then the flags, each value converted by its row of the
// settings table. Free of CLI11: the command line hands over its values as text.
#pragma once

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

/// Where each given setting came from, as messages name it: "--port",
/// "/etc/proof/proof.conf:12: port" or "PROOF_API_KEY".
using Origins = std::map<std::string, std::string>;

/// The origin of `key` for a message; "KEY (default)" when nothing gave it.
std::string origin_of(const Origins& origins, const std::string& key);

/// The settings from the defaults, the file, the environment and the flags. Throws
/// BadSettings naming the flag, or the file, line and key, of a value that is wrong.
Settings collect(const GivenValues& values, Origins& origins);

}  // namespace proof
