// The settings from the defaults, the config file, the environment and the flags, in that
// order, each value converted by its row of the settings table.
#include "app/settings_sources.h"

#include <cstdlib>

#include "app/config_file.h"
#include "app/settings_table.h"

namespace proof {

namespace {

const SettingSpec* find_setting(const std::string& key) {
  for (const auto& spec : settings_table()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
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
    origins[entry.key] = at + entry.key;
    try {
      if (spec->clear) spec->clear(s);
      for (const auto& value : entry.values) spec->assign(s, value);
    } catch (const SettingError& e) {
      throw BadSettings(at + entry.key + ": " + e.what());
    }
  }
}

}  // namespace

std::string origin_of(const Origins& origins, const std::string& key) {
  const auto it = origins.find(key);
  return it == origins.end() ? key + " (default)" : it->second;
}

Settings collect(const GivenValues& values, Origins& origins) {
  Settings s;
  if (!values.config_file.empty()) read_file_into(s, values.config_file, origins);

  if (values.given.count("api-key") == 0 && origins.count("api-key") == 0) {
    if (const char* key = std::getenv("PROOF_API_KEY")) {
      s.api_key = key;
      origins["api-key"] = "PROOF_API_KEY";
    }
  }

  for (const auto& spec : settings_table()) {
    if (values.given.count(spec.key) == 0) continue;
    const std::string name = "--" + spec.key;
    origins[spec.key] = name;
    try {
      switch (spec.kind) {
        case SettingSpec::Kind::flag:
          spec.assign(s, values.flag.at(spec.key) ? "true" : "false");
          break;
        case SettingSpec::Kind::list:
          spec.clear(s);
          for (const auto& value : values.list.at(spec.key)) spec.assign(s, value);
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

}  // namespace proof
