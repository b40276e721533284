// Reading secrets from files of their own; no message quotes what a file holds.
#include "app/secret_files.h"

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
  const auto source = [&origins](const std::string& key) { return origin_of(origins, key); };
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

}  // namespace proof
