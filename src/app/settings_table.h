// Every server setting in one table: its flag and config key, the name of its value, the
// line of --help, how its text becomes a field of Settings, what makes it valid, and how it
// is written back. The command line, the config file, check-config, the startup log line
// and the unit test that keeps proof.conf.example and the README complete all read this
// table; a new setting is one row here and one field in Settings.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/config.h"

namespace proof::app {

/// What is wrong with one value, without saying where it came from (the caller knows:
/// a flag, a line of a file, the environment).
struct SettingError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Settings that cannot be used, with where the value came from already in the message.
struct BadSettings : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SettingSpec {
  enum class Kind {
    scalar,  ///< one value: a flag overrides the file; given twice, the last flag wins
    list,    ///< repeatable flag, `[ ... ]` in the file: the flags add to the file's
    flag,    ///< a bool: `--hsts` alone, `hsts = true` in the file
  };
  std::string key;         ///< the config key; the flag is "--" + key
  std::string value_name;  ///< N, S, ADDR, FILE... (empty for a flag)
  std::string help;        ///< one line for --help
  Kind kind = Kind::scalar;
  bool secret = false;  ///< never printed (the API key, the webhook secrets)
  /// For a setting naming files of secrets: the key of the setting their lines are given
  /// to (api-key-file: api-key; stripe-secret-file: stripe-secret).
  std::string file_for;
  /// Converts one value's text into the field (for a list: appends it). Throws SettingError.
  std::function<void(Settings&, const std::string&)> assign;
  /// A scalar's check of its final value. Throws SettingError. May be empty.
  std::function<void(Settings&)> validate;
  /// A list's elements, so that each can be checked with its own origin in messages.
  std::function<std::vector<std::string>&(Settings&)> items;
  /// A list's check of one element: its normal form, so that two spellings of one value
  /// are one. Throws SettingError. May be empty.
  std::function<std::string(const std::string&)> normalise;
  /// The value as config-file text (quoted where a string), or "" when unset.
  std::function<std::string(const Settings&)> show;
};

/// The settings in the order --help, check-config and the example file list them.
const std::vector<SettingSpec>& settings_table();

/// A config-file string: quoted, with the quote and backslash escaped.
std::string quoted(const std::string& value);

/// A value as --help and the start-up line show it: without the quotes a file needs.
std::string bare(std::string text);

}  // namespace proof::app
