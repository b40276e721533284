// Reading secrets from files of their own, and saying where each came from; no message
// quotes what a file holds.
#include "app/secret_files.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "app/settings_table.h"
#include "store/redis_address.h"

namespace proof::app {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

/// "--stripe-secret-file PATH" for a flag's file, "PROOF_STRIPE_SECRET_FILE PATH" for the
/// environment's, "stripe-secret-file PATH" for the config file's.
std::string file_source(const Origin& origin, const std::string& key, const std::string& path) {
  return setting_name(key, origin.level) + " " + path;
}

/// Whether `path` lies in the credentials directory systemd made for this service: its
/// files are the service's alone (0400, or 0440 with its group), whatever their mode bits.
bool in_credentials_directory(const std::string& path) {
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (dir == nullptr || *dir == '\0') return false;
  std::error_code ec;
  const std::string inside = std::filesystem::weakly_canonical(dir, ec).string() + "/";
  if (ec) return false;
  const std::string file = std::filesystem::weakly_canonical(path, ec).string();
  return !ec && file.rfind(inside, 0) == 0;
}

}  // namespace

std::vector<SecretLine> read_secret_lines(const std::string& path, const std::string& where) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw BadSettings(where + ": '" + path + "' is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.is_open() || (!in.good() && !in.eof())) {
    throw BadSettings(where + ": '" + path + "' cannot be read");
  }
  std::vector<SecretLine> lines;
  int number = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    ++number;
    std::size_t first = at;
    std::size_t last = end;
    while (first < last && is_space(text[first])) ++first;
    while (last > first && is_space(text[last - 1])) --last;
    if (last > first) lines.push_back({text.substr(first, last - first), number});
    at = end + 1;
  }
  return lines;
}

std::string read_single_secret(const std::string& path, const std::string& where,
                               const std::string& what) {
  const std::vector<SecretLine> lines = read_secret_lines(path, where);
  if (lines.empty()) throw BadSettings(where + ": '" + path + "' is empty");
  if (lines.size() > 1) {
    throw BadSettings(where + ": " + path + ":" + std::to_string(lines[1].line) +
                      ": the file holds more than one line: put " + what + " alone in it");
  }
  return lines.front().text;
}

void resolve_api_key(Settings& s, Origins& origins) {
  if (s.api_key_file.empty()) return;
  const Origin file = origins.of_key["api-key-file"];
  const auto key = origins.of_key.find("api-key");
  if (key != origins.of_key.end()) {
    if (key->second.level == file.level) {
      throw BadSettings(file.at + ": the key is given by " + key->second.at +
                        " too: give it in one place");
    }
    if (key->second.level > file.level) {  // as for any scalar, the later source wins
      s.api_key_file.clear();
      return;
    }
  }
  s.api_key = read_single_secret(s.api_key_file, file.at, "the API key");
  origins.secret_files.push_back(s.api_key_file);
  const std::string source = file_source(file, "api-key-file", s.api_key_file);
  origins.of_key["api-key"] = {source, source, file.level};
}

void read_secret_files(Settings& s, Origins& origins) {
  const auto& table = settings_table();
  for (const auto& spec : table) {
    if (spec.file_for.empty() || spec.kind != SettingSpec::Kind::list) continue;
    const auto target = std::find_if(table.begin(), table.end(),
                                     [&spec](const auto& row) { return row.key == spec.file_for; });
    std::vector<Origin> from = origins.of_items[spec.key];
    const std::vector<std::string> paths = spec.items(s);
    from.resize(paths.size(), Origin{spec.key, spec.key, Origin::Level::unknown});
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const std::string& path = paths[i];
      const std::vector<SecretLine> lines = read_secret_lines(path, from[i].at);
      if (lines.empty()) throw BadSettings(from[i].at + ": '" + path + "' holds no secret");
      origins.secret_files.push_back(path);
      const std::string source = file_source(from[i], spec.key, path);
      for (const SecretLine& line : lines) {
        const std::string at = path + ":" + std::to_string(line.line) + " (" +
                               setting_name(spec.key, from[i].level) + ")";
        // Two secrets written on one line would be read as one that matches nothing.
        if (std::any_of(line.text.begin(), line.text.end(), is_space)) {
          throw BadSettings(at +
                            ": a space inside the line: write one secret a line (a secret "
                            "with spaces goes in the config file, as " +
                            spec.file_for + ")");
        }
        target->assign(s, line.text);
        origins.of_items[spec.file_for].push_back({at, source, from[i].level});
      }
    }
  }
}

std::vector<std::string> exposed_secret_files(const Origins& origins) {
  std::vector<std::string> warnings;
  std::vector<std::string> seen;
  for (const auto& path : origins.secret_files) {
    if (std::find(seen.begin(), seen.end(), path) != seen.end()) continue;
    seen.push_back(path);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || in_credentials_directory(path)) continue;
    const bool group = (st.st_mode & S_IRGRP) != 0;
    const bool others = (st.st_mode & S_IROTH) != 0;
    if (!group && !others) continue;
    const char* who = group && others ? "its group and others" : group ? "its group" : "others";
    warnings.push_back(fmt::format(
        "'{}' holds a secret and is readable by {} (mode {:04o}): make it readable by its "
        "owner alone (chmod 600), or hand it to the service with systemd's LoadCredential=",
        path, who, st.st_mode & 07777));
  }
  return warnings;
}

void resolve_redis_password(Settings& s, Origins& origins, std::vector<std::string>& warnings) {
  const auto source = [&origins](const std::string& key) { return origins.at(key); };
  s.redis_password.clear();
  if (s.redis_url.empty()) {
    if (!s.redis_password_file.empty()) {
      warnings.push_back(source("redis-password-file") + ": has no effect without redis");
    }
    return;
  }
  std::string error;
  const auto address = store::parse_redis_url(s.redis_url, error);
  if (!address) return;  // the table's check said why already
  if (!s.redis_password_file.empty()) {
    if (!address->password.empty()) {
      throw BadSettings(source("redis-password-file") +
                        ": the redis URL has a password already: give it in one place");
    }
    s.redis_password =
        read_single_secret(s.redis_password_file, source("redis-password-file"), "the password");
    origins.secret_files.push_back(s.redis_password_file);
  } else if (address->password.empty()) {
    if (const char* env = std::getenv("PROOF_REDIS_PASSWORD"); env != nullptr) {
      s.redis_password = env;
    }
  }
  if (!address->user.empty() && address->password.empty() && s.redis_password.empty()) {
    throw BadSettings(source("redis") + ": user '" + address->user +
                      "' needs a password: in the URL (redis://USER:PASSWORD@HOST), in the file "
                      "named by redis-password-file, or in PROOF_REDIS_PASSWORD");
  }
}

std::vector<std::string> secret_sources(const Settings& s, const Origins& origins) {
  std::vector<std::string> lines;
  if (!s.api_key.empty()) {
    const auto it = origins.of_key.find("api-key");
    lines.push_back("api-key: from " + (it == origins.of_key.end() ? "(set)" : it->second.source));
  }
  for (const auto& spec : settings_table()) {
    if (!spec.secret || spec.kind != SettingSpec::Kind::list) continue;
    // The settings check keeps a list's origins in step with its elements.
    const auto it = origins.of_items.find(spec.key);
    if (it == origins.of_items.end() || it->second.empty()) continue;
    const std::vector<Origin>& from = it->second;
    // Each source with how many it gave, in the order they were read.
    std::vector<std::pair<std::string, std::size_t>> counts;
    for (const Origin& origin : from) {
      const auto known = std::find_if(counts.begin(), counts.end(), [&origin](const auto& count) {
        return count.first == origin.source;
      });
      if (known == counts.end()) {
        counts.emplace_back(origin.source, 1);
      } else {
        ++known->second;
      }
    }
    std::string name = spec.key;
    if (name.ends_with("-secret")) name.resize(name.size() - std::string("-secret").size());
    std::string line =
        name + ": " + std::to_string(from.size()) + (from.size() == 1 ? " secret (" : " secrets (");
    for (std::size_t i = 0; i < counts.size(); ++i) {
      line += (i == 0 ? "" : ", ") + std::to_string(counts[i].second) + " from " + counts[i].first;
    }
    if (const auto repeated = origins.repeats.find(spec.key); repeated != origins.repeats.end()) {
      line += "; " + std::to_string(repeated->second) + " given again, counted once";
    }
    lines.push_back(line + ")");
  }
  return lines;
}

}  // namespace proof::app
