// The --config file format: `key = value` lines, values quoted ("text", 'text'), bare
// (6009, true, info) or lists (["a", "b"]); `#` starts a comment. Pure text in, entries out,
// so every error can name the file and the line.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace proof::app {

/// One `key = value` line of a config file.
struct ConfigEntry {
  std::string key;
  std::vector<std::string> values;  ///< one for a scalar, any number for a list
  bool is_list = false;             ///< written as [ ... ]
  int line = 0;                     ///< 1-based
};

/// A line that is not `key = value`: the message starts with "FILE:LINE: ".
struct ConfigFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Splits `text` (the contents of `file`, which only names it in errors) into entries.
std::vector<ConfigEntry> parse_config_text(std::string_view text, const std::string& file);

/// Reads and parses `file`; ConfigFileError when it cannot be read or parsed.
std::vector<ConfigEntry> read_config_file(const std::string& file);

}  // namespace proof::app
