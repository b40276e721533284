// The settings from the defaults, the config file, the environment and the flags, in that
// order, each value converted by its row of the settings table.
#include "app/settings_sources.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "app/config_file.h"
#include "app/settings_table.h"
#include "store/redis_address.h"

namespace proof::app {

namespace {

const SettingSpec* find_setting(const std::string& key) {
  for (const auto& spec : settings_table()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

/// Whether a line of the file gives a secret: then the file should be readable by its
/// owner alone.
bool gives_secret(const SettingSpec& spec, const ConfigEntry& entry) {
  if (spec.secret) return true;
  if (spec.key != "redis" || entry.values.empty()) return false;
  std::string error;
  const auto address = store::parse_redis_url(entry.values.front(), error);
  return address && !address->password.empty();
}

void read_file_into(Settings& s, const std::string& file, Origins& origins) {
  std::vector<ConfigEntry> entries;
  try {
    entries = read_config_file(file);
  } catch (const ConfigFileError& e) {
    throw BadSettings(e.what());
  }
  std::map<std::string, int> seen;
  for (const auto& entry : entries) {
    const std::string at = file + ":" + std::to_string(entry.line) + ": ";
    const SettingSpec* spec = find_setting(entry.key);
    if (spec == nullptr) {
      throw BadSettings(at + "unknown key '" + entry.key +
                        "' (proof.conf.example lists every key)");
    }
    if (const auto previous = seen.find(entry.key); previous != seen.end()) {
      throw BadSettings(at + entry.key + ": already given on line " +
                        std::to_string(previous->second));
    }
    seen[entry.key] = entry.line;
    if (entry.is_list && spec->kind != SettingSpec::Kind::list) {
      throw BadSettings(at + entry.key + ": takes one value, not a list");
    }
    const Origin origin{at + entry.key, file, Origin::Level::file};
    origins.of_key[entry.key] = origin;
    if (gives_secret(*spec, entry) &&
        std::find(origins.secret_files.begin(), origins.secret_files.end(), file) ==
            origins.secret_files.end()) {
      origins.secret_files.push_back(file);
    }
    try {
      for (const auto& value : entry.values) {
        spec->assign(s, value);
        if (spec->kind == SettingSpec::Kind::list) origins.of_items[entry.key].push_back(origin);
      }
    } catch (const SettingError& e) {
      throw BadSettings(at + entry.key + ": " + e.what());
    }
  }
}

/// The values of a list's variable: separated by white space, which no origin, address or
/// secret holds (a secret file refuses a line with a space inside, too), where a comma
/// could be part of a WooCommerce secret.
std::vector<std::string> list_values(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

/// Each setting's PROOF_ variable, over what the file gave: a scalar's replaces the file's
/// value, a list's values are added to the file's (as its flags are).
void read_environment_into(Settings& s, Origins& origins) {
  for (const auto& spec : settings_table()) {
    const std::string name = environment_name(spec.key);
    const char* value = std::getenv(name.c_str());
    // Empty is unset: `-e PROOF_REDIS=` and a compose file's blank entries mean "none".
    if (value == nullptr || *value == '\0') continue;
    const Origin origin{name, name, Origin::Level::environment};
    origins.of_key[spec.key] = origin;
    try {
      if (spec.kind != SettingSpec::Kind::list) {
        spec.assign(s, value);
        continue;
      }
      for (const auto& item : list_values(value)) {
        spec.assign(s, item);
        origins.of_items[spec.key].push_back(origin);
      }
    } catch (const SettingError& e) {
      throw BadSettings(name + ": " + e.what());
    }
  }
}

}  // namespace

std::string environment_name(const std::string& key) {
  std::string name = "PROOF_";
  for (const char c : key) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string setting_name(const std::string& key, Origin::Level level) {
  switch (level) {
    case Origin::Level::flag:
      return "--" + key;
    case Origin::Level::environment:
      return environment_name(key);
    case Origin::Level::file:
    case Origin::Level::unknown:
      break;
  }
  return key;
}

std::string Origins::at(const std::string& key) const {
  const auto it = of_key.find(key);
  return it == of_key.end() ? key + " (default)" : it->second.at;
}

Settings collect(const GivenValues& values, Origins& origins) {
  Settings s;
  std::string config_file = values.config_file;
  if (const char* from_env = std::getenv("PROOF_CONFIG"); config_file.empty() && from_env) {
    config_file = from_env;
  }
  if (!config_file.empty()) read_file_into(s, config_file, origins);
  read_environment_into(s, origins);

  for (const auto& spec : settings_table()) {
    if (values.given.count(spec.key) == 0) continue;
    const std::string name = "--" + spec.key;
    const Origin origin{name, name, Origin::Level::flag};
    origins.of_key[spec.key] = origin;
    try {
      switch (spec.kind) {
        case SettingSpec::Kind::flag:
          spec.assign(s, values.flag.at(spec.key) ? "true" : "false");
          break;
        case SettingSpec::Kind::list:
          // Added to the file's and the environment's: a secret given as a flag during a
          // rotation must not silently drop the ones in the file.
          for (const auto& value : values.list.at(spec.key)) {
            spec.assign(s, value);
            origins.of_items[spec.key].push_back(origin);
          }
          break;
        case SettingSpec::Kind::scalar:
          spec.assign(s, values.scalar.at(spec.key));
          break;
      }
    } catch (const SettingError& e) {
      throw BadSettings(name + ": " + e.what());
    }
  }
  return s;
}

}  // namespace proof::app
