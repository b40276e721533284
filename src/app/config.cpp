#include "app/config.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include "app/config_file.h"
#include "app/logging.h"
#include "app/settings_table.h"
#include "app/tls_files.h"
#include "core/error_text.h"
#include "store/redis_connection.h"

#ifndef PROOF_DEFAULT_PUBLIC_DIR
#define PROOF_DEFAULT_PUBLIC_DIR "/usr/local/share/proof/public"
#endif
#ifndef PROOF_VERSION
#error "PROOF_VERSION comes from project(VERSION) in CMakeLists.txt"
#endif
#ifndef PROOF_SOURCE_PUBLIC_DIR
#define PROOF_SOURCE_PUBLIC_DIR "public"
#endif

namespace proof {

const char* const kVersion = PROOF_VERSION;

namespace {

/// The example's key: a file copied without editing would publish to anyone who read it.
constexpr const char* kPlaceholderKey = "change-me";

/// Settings that cannot be used, with where the value came from already in the message.
struct BadSettings : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Where public/ is when --public-dir is not given: installed, else the build tree's staged
/// copy (public/ with proof.js minified: cmake/widget.cmake).
std::string default_public_dir() {
  for (const char* candidate : {PROOF_DEFAULT_PUBLIC_DIR, PROOF_SOURCE_PUBLIC_DIR}) {
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
  }
  return "public";
}

/// Why the server could not listen on `address`, tried as it will be (resolved, then bound)
/// but on port 0, so that a server already running on the real port does not get in the way.
std::optional<std::string> bind_problem(const std::string& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(address.c_str(), "0", &hints, &found); rc != 0) {
    return "'" + address + "' is not an address: " + gai_strerror(rc);
  }
  std::string problem = "'" + address + "' cannot be listened on";
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const bool bound = ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (!bound) problem = "cannot listen on '" + address + "': " + error_text(errno);
    ::close(fd);
    if (bound) {
      freeaddrinfo(found);
      return std::nullopt;
    }
  }
  freeaddrinfo(found);
  return problem;
}

/// The values given on the command line, as text, keyed by setting; CLI11 only splits them.
struct CommandLineValues {
  std::map<std::string, std::string> scalar;
  std::map<std::string, std::vector<std::string>> list;
  std::map<std::string, bool> flag;
  std::map<std::string, std::vector<CLI::Option*>> options;
  std::string config_file;

  bool given(const std::string& key) const {
    const auto it = options.find(key);
    if (it == options.end()) return false;
    for (const auto* option : it->second) {
      if (option->count() > 0) return true;
    }
    return false;
  }
};

/// --help shows a default without the quotes a config file needs.
std::string bare(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

void add_setting(CLI::App& app, const SettingSpec& spec, CommandLineValues& values) {
  static const Settings defaults;
  const std::string name = "--" + spec.key;
  CLI::Option* option = nullptr;
  switch (spec.kind) {
    case SettingSpec::Kind::flag:
      option = app.add_flag(name, values.flag[spec.key], spec.help);
      break;
    case SettingSpec::Kind::list:
      option = app.add_option(name, values.list[spec.key], spec.help)->type_name(spec.value_name);
      break;
    case SettingSpec::Kind::scalar:
      option = app.add_option(name, values.scalar[spec.key], spec.help)->type_name(spec.value_name);
      if (!spec.secret) {
        const std::string shown = bare(spec.show(defaults));
        if (!shown.empty()) option->default_str(shown);
      }
      break;
  }
  values.options[spec.key].push_back(option);
}

/// The options every command that talks to a running server takes.
void add_target_options(CLI::App& command, CommandLineValues& values, ServerTarget& target) {
  command.add_option("--config", values.config_file, "Read the key and address from FILE")
      ->type_name("FILE");
  for (const auto& spec : settings_table()) {
    if (spec.key == "api-key") add_setting(command, spec, values);
  }
  command
      .add_option("--url", target.url,
                  "Server to talk to, e.g. https://proof.example (default: the bind and "
                  "port of the settings)")
      ->type_name("URL");
  command.add_option("--ca-cert", target.ca_cert, "PEM certificate to trust for an https --url")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
}

/// The settings from the defaults, then the file, then PROOF_API_KEY, then the flags; each
/// value converted by its row of the table. `where` records each key's source for messages.
Settings collect(const CommandLineValues& values, std::map<std::string, std::string>& where) {
  Settings s;
  const auto& table = settings_table();
  const auto find = [&table](const std::string& key) -> const SettingSpec* {
    for (const auto& spec : table) {
      if (spec.key == key) return &spec;
    }
    return nullptr;
  };

  if (!values.config_file.empty()) {
    std::vector<ConfigEntry> entries;
    try {
      entries = read_config_file(values.config_file);
    } catch (const ConfigFileError& e) {
      throw BadSettings(e.what());
    }
    std::map<std::string, int> seen;
    for (const auto& entry : entries) {
      const std::string at = values.config_file + ":" + std::to_string(entry.line) + ": ";
      const SettingSpec* spec = find(entry.key);
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
      where[entry.key] = at + entry.key;
      try {
        if (spec->clear) spec->clear(s);
        for (const auto& value : entry.values) spec->assign(s, value);
      } catch (const SettingError& e) {
        throw BadSettings(at + entry.key + ": " + e.what());
      }
    }
  }

  if (!values.given("api-key") && where.count("api-key") == 0) {
    if (const char* key = std::getenv("PROOF_API_KEY")) {
      s.api_key = key;
      where["api-key"] = "PROOF_API_KEY";
    }
  }

  for (const auto& spec : table) {
    if (!values.given(spec.key)) continue;
    const std::string name = "--" + spec.key;
    where[spec.key] = name;
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

/// The password in `path`: the file's content without one final line end. The content is
/// never quoted in a message.
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

/// Where the Redis password comes from: the URL, else redis-password-file, else
/// PROOF_REDIS_PASSWORD; given in the URL and the file both, it is refused as ambiguous.
void resolve_redis_password(Settings& s,
                            const std::function<std::string(const std::string&)>& source,
                            std::vector<std::string>& warnings) {
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

void require_key(const Settings& s) {
  if (s.api_key.empty()) {
    throw BadSettings(
        "no API key: give one with --api-key KEY, the PROOF_API_KEY environment variable, or "
        "api-key = \"KEY\" in the file named by --config");
  }
}

/// Everything the server checks at start, checked before it starts, so that check-config
/// and a failed start say the same thing. Returns the warnings.
std::vector<std::string> validate(Settings& s, const std::map<std::string, std::string>& where) {
  const auto source = [&where](const std::string& key) {
    const auto it = where.find(key);
    return it == where.end() ? key + " (default)" : it->second;
  };
  for (const auto& spec : settings_table()) {
    if (!spec.validate) continue;
    try {
      spec.validate(s);
    } catch (const SettingError& e) {
      throw BadSettings(source(spec.key) + ": " + e.what());
    }
  }
  require_key(s);
  std::vector<std::string> warnings;
  resolve_redis_password(s, source, warnings);
  if (s.tls_cert.empty() != s.tls_key.empty()) {
    const std::string given = source(s.tls_cert.empty() ? "tls-key" : "tls-cert");
    const std::string other = s.tls_cert.empty() ? "tls-cert" : "tls-key";
    // Named as the reader gave the first one: a flag, or a key of the file.
    throw BadSettings(given + ": needs " + (given.rfind("--", 0) == 0 ? "--" : "") + other +
                      " too (both for HTTPS, or neither for HTTP)");
  }
  if (!s.tls_cert.empty()) {
    if (auto problem = tls_pair_problem(s.tls_cert, s.tls_key)) {
      throw BadSettings(source("tls-key") + ": " + *problem);
    }
  }
  if (auto problem = bind_problem(s.bind)) throw BadSettings(source("bind") + ": " + *problem);
  if (s.public_dir.empty()) s.public_dir = default_public_dir();
  std::error_code ec;
  if (!std::filesystem::is_directory(s.public_dir, ec)) {
    throw BadSettings(source("public-dir") + ": '" + s.public_dir + "' is not a directory");
  }

  if (s.api_key == kPlaceholderKey) {
    warnings.push_back(source("api-key") + ": the API key is still the example's \"" +
                       kPlaceholderKey +
                       "\": anyone who read the example can publish; make "
                       "one with `openssl rand -hex 24`");
  }
  if (s.hsts && s.tls_cert.empty()) {
    warnings.push_back(source("hsts") +
                       ": hsts has no effect without tls-cert (behind a proxy, let the proxy send "
                       "Strict-Transport-Security)");
  }
  return warnings;
}

/// The server's own address as a URL, for the operator commands run on the server's machine.
std::string own_url(const Settings& s) {
  std::string host = s.bind;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return (s.tls_cert.empty() ? "http://" : "https://") + host + ":" + std::to_string(s.port);
}

/// The subcommands, as CLI11 options bound to `result` and `values`.
struct Subcommands {
  CLI::App* send;
  CLI::App* erase;
  CLI::App* stats;
  CLI::App* check_config;

  bool talks_to_server() const { return send->parsed() || erase->parsed() || stats->parsed(); }
};

Subcommands add_subcommands(CLI::App& app, CommandLineValues& values, Invocation& result) {
  Subcommands c{};
  c.send = app.add_subcommand("send",
                              "Post a test signup to a running server; prints the new event's id");
  add_target_options(*c.send, values, result.target);
  c.send->add_option("--user", result.send.user, "user_name of the signup")->required();
  c.send->add_option("--offer", result.send.offer, "offer_name of the signup")->required();
  c.send->add_option("--city", result.send.city, "city of the signup");
  c.send->add_option("--img", result.send.img, "img_path of the signup");
  c.send->add_option("--link", result.send.link, "url a click on the card leads to");

  c.erase = app.add_subcommand(
      "erase", "Erase an event from a running server's history and from every open page");
  add_target_options(*c.erase, values, result.target);
  c.erase->add_option("ID", result.erase_id, "The event's id (as `proof send` printed it)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& id) {
            return !id.empty() && id.find_first_not_of("0123456789") == std::string::npos
                       ? std::string()
                       : "an event id is digits only";
          },
          "DIGITS"));

  c.stats = app.add_subcommand(
      "stats", "Print a running server's daily counts: published, shown, clicks, CTR, peak pages");
  add_target_options(*c.stats, values, result.target);
  c.stats->add_option("--days", result.stats_days, "Days to show, ending today (1 to 400)")
      ->check(CLI::Range(1, 400))
      ->default_str("30");

  c.check_config =
      app.add_subcommand("check-config",
                         "Validate the settings (--config FILE and any flags) and print the "
                         "effective ones with the key redacted; exit status 0 when valid");
  for (auto* command : {c.send, c.erase, c.stats, c.check_config}) command->fallthrough();
  app.require_subcommand(0, 1);
  return c;
}

/// After CLI11 has split argv: the settings collected and checked for the command given.
void finish(const Subcommands& c, const CommandLineValues& values, Invocation& result) {
  std::map<std::string, std::string> where;
  result.settings = collect(values, where);
  if (c.talks_to_server()) {
    result.command = c.send->parsed()    ? Command::send
                     : c.erase->parsed() ? Command::erase
                                         : Command::stats;
    require_key(result.settings);
    if (result.target.url.empty()) result.target.url = own_url(result.settings);
    return;
  }
  result.warnings = validate(result.settings, where);
  if (!c.check_config->parsed()) return;
  result.command = Command::check_config;
  // What the server would meet at start, said now: a wrong password is not left to a
  // restart to find out.
  const RedisCheck redis = check_redis(result.settings);
  const auto it = where.find("redis");
  const std::string source = it == where.end() ? "redis" : it->second;
  if (redis.refusal) throw BadSettings(source + ": " + *redis.refusal);
  if (redis.unreachable) result.warnings.push_back(source + ": " + *redis.unreachable);
}

}  // namespace

Invocation parse_command_line(int argc, const char* const* argv) {
  Invocation result;
  CommandLineValues values;
  CLI::App app{
      "proof: self-hosted social proof. Signups POSTed to /signup, and verified purchases "
      "from shop platforms' webhooks (/hooks), reach every open page over Server-Sent Events.",
      "proof"};
  app.set_version_flag("--version", std::string("proof ") + kVersion);
  app.footer("Exit status: 0 ok, 1 runtime failure, 2 bad settings.");
  app.add_option("--config", values.config_file,
                 "Read settings from FILE (key = value lines; see proof.conf.example)")
      ->type_name("FILE");
  for (const auto& spec : settings_table()) add_setting(app, spec, values);
  const Subcommands commands = add_subcommands(app, values, result);

  try {
    app.parse(argc, argv);
    finish(commands, values, result);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, --version
      app.exit(e);
      result.exit_code = kExitOk;
    } else {
      report_early(EarlyLevel::error, std::string(e.what()) + " (see proof --help)");
      result.exit_code = kExitBadSettings;
    }
  } catch (const BadSettings& e) {
    report_early(EarlyLevel::error, e.what());
    result.exit_code = kExitBadSettings;
  }
  return result;
}

std::optional<RedisAddress> redis_address(const Settings& s) {
  if (s.redis_url.empty()) return std::nullopt;
  std::string error;
  auto address = parse_redis_url(s.redis_url, error);
  if (address && address->password.empty()) address->password = s.redis_password;
  return address;
}

RedisCheck check_redis(const Settings& s) {
  RedisCheck check;
  const auto address = redis_address(s);
  if (!address) return check;
  const RedisProbe probe = probe_redis(*address, RedisKeys{s.redis_prefix});
  const std::string url = redacted_redis_url(s.redis_url);
  if (probe.refusal) {
    check.refusal = url + ": " + *probe.refusal;
  } else if (!probe.reached) {
    check.unreachable = "could not reach " + url + " to check the password and the rights (" +
                        probe.problem + "); the server waits for it";
  }
  return check;
}

std::string listen_url(const Settings& s) {
  const bool v6 = s.bind.find(':') != std::string::npos;
  return (s.tls_cert.empty() ? "http://" : "https://") + (v6 ? "[" + s.bind + "]" : s.bind) + ":" +
         std::to_string(s.port);
}

std::string describe(const Settings& s) {
  std::ostringstream out;
  out << "listening on " << listen_url(s);
  for (const auto& spec : settings_table()) {
    if (spec.key == "bind" || spec.key == "port") continue;
    out << ", " << spec.key << ' ';
    if (spec.secret) {
      const bool missing = spec.show(s).empty();
      out << (missing ? (spec.key == "api-key" ? "missing" : "(none)") : "set (redacted)");
      continue;
    }
    const std::string value = bare(spec.show(s));
    out << (value.empty() ? "(none)" : value);
  }
  return out.str();
}

std::string to_config_text(const Settings& s) {
  std::ostringstream out;
  // Unset keys are written as comments, so that the output reads back as it is (an empty
  // list or file name would not).
  for (const auto& spec : settings_table()) {
    if (spec.secret && spec.kind == SettingSpec::Kind::list) {
      // Commented out: a file written from this must not hold a made-up secret.
      out << "# " << spec.key << " = " << (spec.show(s).empty() ? "[] (none)" : "(set, redacted)")
          << '\n';
      continue;
    }
    if (spec.secret) {
      out << spec.key << " = " << (s.api_key.empty() ? "\"\"" : "\"(redacted)\"") << '\n';
      continue;
    }
    const std::string value = spec.show(s);
    if (!value.empty()) {
      out << spec.key << " = " << value << '\n';
    } else if (spec.kind == SettingSpec::Kind::list) {
      out << "# " << spec.key << " = [] (none)\n";
    } else {
      out << "# " << spec.key << " = (not set)\n";
    }
  }
  return out.str();
}

}  // namespace proof
