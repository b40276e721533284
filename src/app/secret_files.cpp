// Reading secrets from files of their own; no message quotes what a file holds.
#include "app/secret_files.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "app/settings_table.h"
#include "store/redis_address.h"

namespace proof {

std::string read_password_file(const std::string& path, const std::string& where) {
  std::ifstream in(path, std::ios::binary);
  std::string password((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw BadSettings(where + ": '" + path + "' cannot be read");
  if (password.ends_with('\n')) password.pop_back();
  if (password.ends_with('\r')) password.pop_back();
  if (password.empty()) throw BadSettings(where + ": '" + path + "' is empty");
  if (password.find_first_of("\r\n") != std::string::npos) {
    throw BadSettings(where + ": '" + path +
                      "' holds more than one line: put the password alone in it");
  }
  return password;
}

void resolve_redis_password(Settings& s, const Origins& origins,
                            std::vector<std::string>& warnings) {
  const auto source = [&origins](const std::string& key) { return origins.at(key); };
  s.redis_password.clear();
  if (s.redis_url.empty()) {
    if (!s.redis_password_file.empty()) {
      warnings.push_back(source("redis-password-file") + ": has no effect without redis");
    }
    return;
  }
  std::string error;
  const auto address = parse_redis_url(s.redis_url, error);
  if (!address) return;  // the table's check said why already
  if (!s.redis_password_file.empty()) {
    if (!address->password.empty()) {
      throw BadSettings(source("redis-password-file") +
                        ": the redis URL has a password already: give it in one place");
    }
    s.redis_password = read_password_file(s.redis_password_file, source("redis-password-file"));
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

}  // namespace proof
