// command_line.h: settings from flags, the PROOF_ variables and a --config file, with their
// precedence.
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <unistd.h>

#include "app/command_line.h"
#include "app/config.h"
#include "app/probes.h"
#include "app/settings_sources.h"
#include "app/settings_table.h"
#include "app/settings_text.h"

namespace fs = std::filesystem;
using proof::app::Invocation;

namespace {

/// Redirects a stream into a string for the lifetime of the object.
class Capture {
 public:
  explicit Capture(std::ostream& stream) : stream_(stream), old_(stream.rdbuf(buffer_.rdbuf())) {}
  ~Capture() { stream_.rdbuf(old_); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::string text() const { return buffer_.str(); }

 private:
  std::ostream& stream_;
  std::ostringstream buffer_;
  std::streambuf* old_;
};

/// argv as main() receives it: pointers into `words`, which must outlive them.
std::vector<const char*> argv_of(const std::vector<std::string>& words) {
  std::vector<const char*> argv;
  argv.reserve(words.size() + 1);
  for (const auto& w : words) argv.push_back(w.c_str());
  return argv;
}

/// Sets (or unsets, with nullopt) an environment variable and restores it afterwards.
/// Each test case runs on one thread, before any server thread: setenv's race cannot occur.
class EnvVar {
 public:
  EnvVar(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    } else {
      ::unsetenv(name);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  ~EnvVar() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    } else {
      ::unsetenv(name_);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

/// A config file in the temp dir, removed afterwards.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() / ("proof-unit-config-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter++) + ".conf");
    std::ofstream(path_) << content;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

/// Runs parse_command_line on "proof" followed by `args`, with output captured.
struct Run {
  Invocation result;
  std::string out;
  std::string err;
};

Run run(std::initializer_list<std::string> args) {
  std::vector<std::string> words{"proof"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<const char*> argv = argv_of(words);
  argv.push_back(nullptr);
  Run r;
  Capture out(std::cout);
  Capture err(std::cerr);
  r.result = proof::app::parse_command_line(static_cast<int>(words.size()), argv.data());
  r.out = out.text();
  r.err = err.text();
  return r;
}

}  // namespace

TEST_CASE("Config: defaults with only --api-key", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run r = run({"--api-key", "k"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const auto& s = r.result.settings;
  CHECK(s.api_key == "k");
  CHECK(s.bind == "127.0.0.1");
  CHECK(s.port == 6009);
  CHECK(s.history == 100);
  CHECK(s.heartbeat_seconds == 15);
  CHECK(s.max_subscribers == 10000);
  CHECK(s.log_level == "info");
  CHECK(s.allowed_origins.empty());
  CHECK(s.tls_cert.empty());
  CHECK(s.tls_key.empty());
  CHECK(fs::is_directory(s.public_dir));  // resolved to a real directory
}

TEST_CASE("Config: flags set every option", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const std::string public_dir = fs::temp_directory_path().string();
  const Run r =
      run({"--api-key", "k", "--bind", "0.0.0.0", "--port", "8080", "--history", "5", "--heartbeat",
           "30", "--max-subscribers", "20", "--log-level", "debug", "--public-dir", public_dir});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const auto& s = r.result.settings;
  CHECK(s.bind == "0.0.0.0");
  CHECK(s.port == 8080);
  CHECK(s.history == 5);
  CHECK(s.heartbeat_seconds == 30);
  CHECK(s.max_subscribers == 20);
  CHECK(s.log_level == "debug");
  CHECK(s.public_dir == public_dir);
}

TEST_CASE("Config: without a key parsing stops and says how to give one", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run r = run({});
  REQUIRE(r.result.exit_code.has_value());
  CHECK(*r.result.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("--api-key"));
  CHECK_THAT(r.err, Catch::Contains("PROOF_API_KEY"));
}

TEST_CASE("Config: an empty key is no key", "[config]") {
  const EnvVar empty_env("PROOF_API_KEY", std::string{});
  const Run r = run({"--api-key", ""});
  REQUIRE(r.result.exit_code.has_value());
  CHECK(*r.result.exit_code != 0);
}

TEST_CASE("Config: PROOF_API_KEY supplies the key, a flag overrides it", "[config][env]") {
  const EnvVar env("PROOF_API_KEY", std::string("from-env"));
  const Run from_env = run({});
  INFO(from_env.err);
  REQUIRE_FALSE(from_env.result.exit_code.has_value());
  CHECK(from_env.result.settings.api_key == "from-env");

  const Run from_flag = run({"--api-key", "from-flag"});
  REQUIRE_FALSE(from_flag.result.exit_code.has_value());
  CHECK(from_flag.result.settings.api_key == "from-flag");
}

TEST_CASE("Config: a --config file is read", "[config][file]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const TempFile file(
      "api-key = \"k\"\nport = 7000\nallowed-origin = [\"https://a.example\", "
      "\"https://b.example\"]\n");
  const Run r = run({"--config", file.path()});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const auto& s = r.result.settings;
  CHECK(s.api_key == "k");
  CHECK(s.port == 7000);
  CHECK(s.allowed_origins == std::vector<std::string>{"https://a.example", "https://b.example"});
  CHECK(s.bind == "127.0.0.1");  // what the file leaves out keeps its default
}

TEST_CASE("Config: a flag overrides PROOF_API_KEY, which overrides the file", "[config][file]") {
  const EnvVar env("PROOF_API_KEY", std::string("from-env"));
  const TempFile file("api-key = \"from-file\"\nport = 7000\n");
  const Run r = run({"--config", file.path(), "--port", "7001"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  CHECK(r.result.settings.port == 7001);
  // As every PROOF_ variable overrides the file.
  CHECK(r.result.settings.api_key == "from-env");

  const Run flag_key = run({"--config", file.path(), "--api-key", "from-flag"});
  REQUIRE_FALSE(flag_key.result.exit_code.has_value());
  CHECK(flag_key.result.settings.api_key == "from-flag");
  CHECK(flag_key.result.settings.port == 7000);
}

TEST_CASE("Config: an unknown key in the file is an error that names it", "[config][file]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const TempFile file("api-key = \"k\"\nallowed-orgin = \"https://a.example\"\n");
  const Run r = run({"--config", file.path()});
  REQUIRE(r.result.exit_code.has_value());
  CHECK(*r.result.exit_code != 0);
  CHECK_THAT(r.err + r.out, Catch::Contains("allowed-orgin"));
}

TEST_CASE("Config: a missing config file is an error", "[config][file]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run r = run({"--api-key", "k", "--config", "/nonexistent/proof-unit.conf"});
  REQUIRE(r.result.exit_code.has_value());
  CHECK(*r.result.exit_code != 0);
}

TEST_CASE("Config: --allowed-origin repeats and is normalised", "[config][origin]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run r = run({"--api-key", "k", "--allowed-origin", "HTTPS://Shop.Example/",
                     "--allowed-origin", "http://localhost:3000", "--allowed-origin", "*"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  CHECK(r.result.settings.allowed_origins ==
        std::vector<std::string>{"https://shop.example", "http://localhost:3000", "*"});
}

TEST_CASE("Config: a bad --allowed-origin is refused and named", "[config][origin]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  for (const char* bad : {"shop.example", "https://shop.example/path", "ftp://x.example"}) {
    INFO(bad);
    const Run r = run({"--api-key", "k", "--allowed-origin", bad});
    REQUIRE(r.result.exit_code.has_value());
    CHECK(*r.result.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains(bad));
  }
}

TEST_CASE("Config: out-of-range and unknown values are refused", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--port", "65536"},
                                             {"--port", "-1"},
                                             {"--port", "http"},
                                             {"--heartbeat", "0"},
                                             {"--max-subscribers", "0"},
                                             {"--history", "100001"},
                                             {"--log-level", "loud"},
                                             {"--no-such-flag"},
                                             {"--public-dir", "/nonexistent/proof-unit"},
                                             {"--tls-cert", "/nonexistent/cert.pem"}}) {
    INFO(args[0] << (args.size() > 1 ? " " + args[1] : ""));
    std::vector<std::string> words{"proof", "--api-key", "k"};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<const char*> argv = argv_of(words);
    Capture out(std::cout);
    Capture err(std::cerr);
    const Invocation inv =
        proof::app::parse_command_line(static_cast<int>(argv.size()), argv.data());
    REQUIRE(inv.exit_code.has_value());
    CHECK(*inv.exit_code != 0);
  }
}

TEST_CASE("Config: --tls-cert without --tls-key is refused", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const TempFile cert("not really a certificate\n");
  const Run r = run({"--api-key", "k", "--tls-cert", cert.path()});
  REQUIRE(r.result.exit_code.has_value());
  CHECK(*r.result.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("--tls-key"));
}

TEST_CASE("Config: --help and --version finish with exit code 0", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run help = run({"--help"});
  REQUIRE(help.result.exit_code.has_value());
  CHECK(*help.result.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--api-key") && Catch::Contains("--allowed-origin"));

  const Run version = run({"--version"});
  REQUIRE(version.result.exit_code.has_value());
  CHECK(*version.result.exit_code == 0);
  CHECK_THAT(version.out, Catch::Contains(proof::app::kVersion));
}

TEST_CASE("Config: describe redacts the key", "[config]") {
  proof::app::Settings s;
  s.api_key = "super-secret-key";
  s.allowed_origins = {"https://a.example"};
  const std::string line = proof::app::describe(s);
  CHECK_THAT(line, !Catch::Contains("super-secret-key"));
  CHECK_THAT(line, Catch::Contains("redacted"));
  CHECK_THAT(line, Catch::Contains("6009") && Catch::Contains("https://a.example"));
}

TEST_CASE("Config: the unknown-key message names the key and the file", "[config][file]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const TempFile file("api-key = \"k\"\nhistroy = 5\n");
  const Run r = run({"--config", file.path()});
  REQUIRE(r.result.exit_code.has_value());
  CHECK_THAT(r.err, Catch::Contains("unknown key") && Catch::Contains("histroy") &&
                        Catch::Contains(file.path()));
}

TEST_CASE("Config: check-config validates and selects its command", "[config][commands]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run ok = run({"check-config", "--api-key", "k", "--port", "7002"});
  INFO(ok.err);
  REQUIRE_FALSE(ok.result.exit_code.has_value());
  CHECK(ok.result.command == proof::app::Command::check_config);
  CHECK(ok.result.settings.port == 7002);

  const Run bad = run({"check-config"});
  REQUIRE(bad.result.exit_code.has_value());
  CHECK(*bad.result.exit_code != 0);
  CHECK_THAT(bad.err, Catch::Contains("PROOF_API_KEY"));

  const Run serve = run({"--api-key", "k"});
  CHECK(serve.result.command == proof::app::Command::serve);
}

TEST_CASE("Config: send takes its fields and defaults its URL to the server's own",
          "[config][commands]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run r = run({"send", "--api-key", "k", "--port", "7003", "--user", "Jane", "--offer", "Pro",
                     "--city", "Lyon"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  CHECK(r.result.command == proof::app::Command::send);
  CHECK(r.result.send.user == "Jane");
  CHECK(r.result.send.offer == "Pro");
  CHECK(r.result.send.city == "Lyon");
  CHECK(r.result.target.url == "http://127.0.0.1:7003");

  const Run any =
      run({"send", "--api-key", "k", "--bind", "0.0.0.0", "--user", "J", "--offer", "P"});
  REQUIRE_FALSE(any.result.exit_code.has_value());
  CHECK(any.result.target.url == "http://127.0.0.1:6009");  // 0.0.0.0 is reached via loopback

  const Run missing = run({"send", "--api-key", "k", "--user", "Jane"});
  REQUIRE(missing.result.exit_code.has_value());
  CHECK(*missing.result.exit_code != 0);
}

TEST_CASE("Config: to_config_text redacts the key and lists the settings", "[config][file]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run r = run({"--api-key", "super-secret", "--port", "7004", "--allowed-origin",
                     "https://a.example", "--history", "42"});
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const std::string text = proof::app::to_config_text(r.result.settings);
  CHECK_THAT(text, !Catch::Contains("super-secret"));
  CHECK_THAT(text, Catch::Contains("port = 7004  # from --port\n") &&
                       Catch::Contains("history = 42  # from --history\n") &&
                       Catch::Contains("allowed-origin = [\"https://a.example\"]"));
}

// The output of `proof check-config` is itself a usable config file: unset file names and
// empty lists (which CLI11 would refuse) are written as comments.
TEST_CASE("Config: to_config_text reads back as the same settings", "[config][file]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--api-key", "super-secret"},  // all defaults: no origins, no proxies, no TLS
           {"--api-key", "super-secret", "--port", "7004", "--allowed-origin", "https://a.example",
            "--trusted-proxy", "10.0.0.1", "--history", "42", "--log-level", "warn"}}) {
    INFO("flags: " << args.size());
    std::vector<const char*> argv{"proof"};
    for (const auto& a : args) argv.push_back(a.c_str());
    Invocation first;
    {
      Capture out(std::cout);
      Capture err(std::cerr);
      first = proof::app::parse_command_line(static_cast<int>(argv.size()), argv.data());
    }
    REQUIRE_FALSE(first.exit_code.has_value());

    // Written out and read back (with the key given again), the settings are the same.
    const TempFile file(proof::app::to_config_text(first.settings));
    const Run second = run({"--config", file.path(), "--api-key", "super-secret"});
    INFO(second.err);
    CHECK_FALSE(second.result.exit_code.has_value());
    if (second.result.exit_code) continue;
    const auto& a = first.settings;
    const auto& b = second.result.settings;
    CHECK(b.port == a.port);
    CHECK(b.allowed_origins == a.allowed_origins);
    CHECK(b.trusted_proxies == a.trusted_proxies);
    CHECK(b.history == a.history);
    CHECK(b.log_level == a.log_level);
    CHECK(b.public_dir == a.public_dir);
    CHECK(b.bind == a.bind);
    CHECK(b.max_publish_rate == a.max_publish_rate);
  }
}

TEST_CASE("Config: every bad value exits 2, --help 0", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--port", "65536"}, {"--no-such-flag"}, {"--log-level", "loud"}, {"send"}}) {
    INFO(args[0]);
    std::vector<std::string> words{"proof", "--api-key", "k"};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<const char*> argv = argv_of(words);
    Capture out(std::cout);
    Capture err(std::cerr);
    const Invocation inv =
        proof::app::parse_command_line(static_cast<int>(argv.size()), argv.data());
    REQUIRE(inv.exit_code.has_value());
    CHECK(*inv.exit_code == proof::app::kExitBadSettings);
  }
  CHECK(*run({"--help"}).result.exit_code == proof::app::kExitOk);
}

TEST_CASE("Config: errors in the file name the file, the line and the key", "[config][file]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const std::vector<std::pair<std::string, std::string>> cases{
      {"api-key = \"k\"\nport = 70000\n", ":2: port: 70000 is not between 0 and 65535"},
      {"api-key = \"k\"\n\nport = \"abc\"\n", ":3: port: 'abc' is not a whole number"},
      {"[proof]\napi-key = \"k\"\n", ":1: sections"},
      {"api-key = \"k\"\nhistroy = 5\n", ":2: unknown key 'histroy'"},
      {"api-key = \"k\"\nport = 1\nport = 2\n", ":3: port: already given on line 2"},
      {"api-key = \"k\"\nport = [1, 2]\n", ":2: port: takes one value"},
      {"api-key = \"k\"\ntrusted-proxy = [\"not-an-ip\"]\n", ":2: trusted-proxy: 'not-an-ip'"},
      {"api-key = \"k\"\nbind = \"999.1.1.1\"\n", ":2: bind: '999.1.1.1' is not an address"},
      {"api-key = \"k\"\nlog-level = \"loud\"\n", ":2: log-level: 'loud' is not one of"},
      {"api-key = \"k\"\nhsts = maybe\n", ":2: hsts: 'maybe' is not true or false"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    const TempFile file(text);
    const Run r = run({"--config", file.path()});
    REQUIRE(r.result.exit_code.has_value());
    CHECK(*r.result.exit_code == proof::app::kExitBadSettings);
    CHECK_THAT(r.err, Catch::Contains(file.path() + message));
    CHECK_THAT(r.err, !Catch::Contains("--"));  // a file's reader is not told about flags
  }
}

TEST_CASE("Config: the server's start-up checks run before it starts", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--bind", "999.1.1.1"}, "--bind: '999.1.1.1' is not an address"},
      {{"--bind", "192.0.2.77"}, "--bind: cannot listen on '192.0.2.77'"},  // not this machine's
      {{"--trusted-proxy", "10.0.0.1", "--trusted-proxy", "proxy.local"}, "'proxy.local'"},
      {{"--redis", "localhost:6379"}, "--redis: 'localhost:6379' is not a Redis URL"},
      {{"--redis", "redis://localhost:99999"}, "the port must be"},
      {{"--redis", "redis://localhost:6379/x"}, "the database"},
      {{"--redis", "redis://proof@localhost:6379"}, "user 'proof' needs a password"},
      {{"--redis", "unix://relative.sock"}, "absolute socket path"},
      {{"--redis-prefix", ""}, "--redis-prefix: '' is not 1 to 64"},
      {{"--redis-prefix", "a b"}, "--redis-prefix: 'a b'"},
      {{"--redis-prefix", std::string(65, 'p')}, "is not 1 to 64"},
      {{"--display-name", "initials"}, "--display-name: 'initials' is not one of"},
      {{"--presence-interval", "0"}, "--presence-interval: 0 is not between 1 and 3600"},
      {{"--presence-interval", "3601"}, "3601 is not between"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args[0] << " " << args[1]);
    std::vector<std::string> words{"proof", "check-config", "--api-key", "k"};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<const char*> argv = argv_of(words);
    Capture out(std::cout);
    Capture err(std::cerr);
    const Invocation inv =
        proof::app::parse_command_line(static_cast<int>(argv.size()), argv.data());
    const std::string printed = err.text();
    INFO(printed);
    REQUIRE(inv.exit_code.has_value());
    CHECK(*inv.exit_code == proof::app::kExitBadSettings);
    CHECK_THAT(printed, Catch::Contains(message));
  }
}

TEST_CASE("Config: the settings other parts read, from flags and the file", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run defaults = run({"--api-key", "k"});
  REQUIRE_FALSE(defaults.result.exit_code.has_value());
  CHECK(defaults.result.settings.redis_url.empty());
  CHECK(defaults.result.settings.redis_prefix == "proof");
  CHECK(defaults.result.settings.display_name == "initial");
  CHECK(defaults.result.settings.presence_interval == 10);
  CHECK_FALSE(defaults.result.settings.hsts);

  const Run flags =
      run({"--api-key", "k", "--redis", "redis://10.0.0.5:6379/2", "--redis-prefix", "shop:eu-1",
           "--display-name", "none", "--presence-interval", "30", "--hsts"});
  INFO(flags.err);
  REQUIRE_FALSE(flags.result.exit_code.has_value());
  CHECK(flags.result.settings.redis_url == "redis://10.0.0.5:6379/2");
  CHECK(flags.result.settings.redis_prefix == "shop:eu-1");
  CHECK(flags.result.settings.display_name == "none");
  CHECK(flags.result.settings.presence_interval == 30);
  CHECK(flags.result.settings.hsts);

  const TempFile file(
      "api-key = \"k\"\nredis = \"unix:///run/redis/redis.sock\"\ndisplay-name = first\n"
      "hsts = true\ntrusted-proxy = [\"::0001\", \"127.0.0.1\"]\n");
  const Run from_file = run({"--config", file.path()});
  INFO(from_file.err);
  REQUIRE_FALSE(from_file.result.exit_code.has_value());
  CHECK(from_file.result.settings.redis_url == "unix:///run/redis/redis.sock");
  CHECK(from_file.result.settings.display_name == "first");
  CHECK(from_file.result.settings.hsts);
  // One spelling per address, the one a peer address arrives in.
  CHECK(from_file.result.settings.trusted_proxies == std::vector<std::string>{"::1", "127.0.0.1"});
  const Run ipv6_redis = run({"--api-key", "k", "--redis", "redis://[::1]:6379"});
  CHECK_FALSE(ipv6_redis.result.exit_code.has_value());
}

TEST_CASE("Config: the Redis password from the URL, a file or PROOF_REDIS_PASSWORD", "[config]") {
  const EnvVar no_key("PROOF_API_KEY", std::nullopt);
  const EnvVar no_password("PROOF_REDIS_PASSWORD", std::nullopt);
  const TempFile file("from-the-file\n");  // one final line end, as an editor leaves it
  const Run from_file = run({"--api-key", "k", "--redis", "redis://proof@localhost:6379",
                             "--redis-password-file", file.path()});
  INFO(from_file.err);
  REQUIRE_FALSE(from_file.result.exit_code.has_value());
  const auto address = proof::app::redis_address(from_file.result.settings);
  REQUIRE(address.has_value());
  CHECK(address->user == "proof");
  CHECK(address->password == "from-the-file");

  {
    const EnvVar password("PROOF_REDIS_PASSWORD", "from-the-environment");
    const Run from_env = run({"--api-key", "k", "--redis", "redis://proof@localhost"});
    REQUIRE_FALSE(from_env.result.exit_code.has_value());
    CHECK(proof::app::redis_address(from_env.result.settings)->password == "from-the-environment");
    // The URL's own password wins over the environment.
    const Run from_url = run({"--api-key", "k", "--redis", "redis://proof:in-url@localhost"});
    CHECK(proof::app::redis_address(from_url.result.settings)->password == "in-url");
  }

  // Given twice, it is refused rather than one silently chosen; an empty file is refused.
  const Run twice = run({"--api-key", "k", "--redis", "redis://proof:in-url@localhost",
                         "--redis-password-file", file.path()});
  CHECK(twice.result.exit_code == proof::app::kExitBadSettings);
  CHECK_THAT(twice.err, Catch::Contains("--redis-password-file: the redis URL has a password "
                                        "already"));
  const TempFile empty("");
  const Run nothing = run({"--api-key", "k", "--redis", "redis://proof@localhost",
                           "--redis-password-file", empty.path()});
  CHECK(nothing.result.exit_code == proof::app::kExitBadSettings);
  CHECK_THAT(nothing.err, Catch::Contains("is empty"));
  const TempFile two_lines("secret\nsecond line\n");
  const Run lines = run({"--api-key", "k", "--redis", "redis://proof@localhost",
                         "--redis-password-file", two_lines.path()});
  CHECK_THAT(lines.err, Catch::Contains("more than one line") && !Catch::Contains("secret"));
}

TEST_CASE("Config: the Redis password is never printed", "[config]") {
  const EnvVar no_key("PROOF_API_KEY", std::nullopt);
  const Run r = run({"--api-key", "k", "--redis", "redis://proof:hunter2@localhost:6379/1"});
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const std::string text = proof::app::to_config_text(r.result.settings);
  CHECK_THAT(text, Catch::Contains("redis = \"redis://proof:***@localhost:6379/1\""));
  CHECK_THAT(proof::app::describe(r.result.settings),
             Catch::Contains("redis redis://proof:***@localhost:6379/1"));
  CHECK_THAT(text + proof::app::describe(r.result.settings) + r.err, !Catch::Contains("hunter2"));
  // Nor in the message about a URL that is wrong.
  const Run bad = run({"--api-key", "k", "--redis", "redis://proof:hunter2@localhost:70000"});
  CHECK(bad.result.exit_code == proof::app::kExitBadSettings);
  CHECK_THAT(bad.err, Catch::Contains("proof:***@") && !Catch::Contains("hunter2"));
}

TEST_CASE("Config: a key anyone can read works on loopback only, with a warning", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  for (const std::string key : {"change-me", "demo-key"}) {
    INFO(key);
    // On a loopback address (the default) only this machine can use it: trying proof out.
    const Run local = run({"check-config", "--api-key", key});
    REQUIRE_FALSE(local.result.exit_code.has_value());
    REQUIRE(local.result.warnings.size() == 1);
    CHECK_THAT(local.result.warnings[0], Catch::Contains(key));
    // Anywhere else it would let anyone who read the README publish: refused.
    for (const std::string bind : {"0.0.0.0", "::"}) {
      const Run exposed = run({"check-config", "--api-key", key, "--bind", bind});
      CHECK(exposed.result.exit_code == proof::app::kExitBadSettings);
      CHECK_THAT(exposed.err, Catch::Contains(key) && Catch::Contains("openssl rand"));
    }
  }
  CHECK(run({"check-config", "--api-key", "3f0c9a1e6b7d2c58a4e9"}).result.warnings.empty());
}

TEST_CASE("Config: a key shorter than 16 characters is warned about", "[config]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run shorter = run({"check-config", "--api-key", "fifteen-chars-k"});
  REQUIRE_FALSE(shorter.result.exit_code.has_value());
  REQUIRE(shorter.result.warnings.size() == 1);
  CHECK_THAT(shorter.result.warnings[0], Catch::Contains("15 characters"));
  // Never the key itself.
  CHECK_THAT(shorter.result.warnings[0], !Catch::Contains("fifteen-chars-k"));
  CHECK(run({"check-config", "--api-key", "sixteen-chars-ok"}).result.warnings.empty());
}

TEST_CASE("Config: the listening address reads as a URL, IPv6 in brackets", "[config]") {
  proof::app::Settings s;
  s.bind = "::";
  s.port = 6026;
  CHECK(proof::app::listen_url(s) == "http://[::]:6026");
  CHECK_THAT(proof::app::describe(s), Catch::StartsWith("listening on http://[::]:6026"));
  s.bind = "0.0.0.0";
  CHECK(proof::app::listen_url(s) == "http://0.0.0.0:6026");
}

TEST_CASE("Config: --help shows value names and defaults, not CLI11's types", "[config]") {
  const Run help = run({"--help"});
  CHECK_THAT(help.out, !Catch::Contains("TEXT") && !Catch::Contains("=[]") &&
                           !Catch::Contains("UINT") && !Catch::Contains("INT"));
  CHECK_THAT(help.out, Catch::Contains("--port N=6009"));
  const Run send_help = run({"send", "--help"});
  CHECK_THAT(send_help.out, Catch::Contains("--config") && Catch::Contains("--api-key") &&
                                Catch::Contains("--url"));
}

namespace {

std::string source_file(const std::string& name) {
  std::ifstream in(std::string(PROOF_SOURCE_DIR) + "/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

// The table is the one place a setting is declared; these are the places that describe it.
TEST_CASE("Config: every setting is in check-config, the example and the README", "[config]") {
  const std::string example = source_file("proof.conf.example");
  const std::string readme = source_file("README.md");
  REQUIRE_FALSE(example.empty());
  REQUIRE_FALSE(readme.empty());
  proof::app::Settings s;
  s.api_key = "k";
  const std::string effective = proof::app::to_config_text(s);
  for (const auto& spec : proof::app::settings_table()) {
    INFO(spec.key);
    // As a key, or commented out at its default: "# key = ".
    const bool in_example = example.find("\n" + spec.key + " = ") != std::string::npos ||
                            example.find("\n# " + spec.key + " = ") != std::string::npos;
    CHECK(in_example);
    CHECK_THAT(effective, Catch::Contains(spec.key + " = "));
    CHECK_THAT(readme, Catch::Contains("`--" + spec.key));
  }
}

TEST_CASE("Config: a list's flags add to the file's list, each value once", "[config][lists]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const TempFile file(
      "api-key = \"k\"\nallowed-origin = [\"https://a.example\"]\n"
      "trusted-proxy = [\"10.0.0.1\", \"::0001\"]\n");
  const Run r =
      run({"--config", file.path(), "--allowed-origin", "https://b.example", "--allowed-origin",
           "HTTPS://A.example/", "--trusted-proxy", "::1", "--trusted-proxy", "10.0.0.2"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  // The file's first, then the flags'; a second spelling of one value counts once.
  CHECK(r.result.settings.allowed_origins ==
        std::vector<std::string>{"https://a.example", "https://b.example"});
  CHECK(r.result.settings.trusted_proxies ==
        std::vector<std::string>{"10.0.0.1", "::1", "10.0.0.2"});
  // A scalar's flag still overrides the file.
  const Run scalar = run({"--config", file.path(), "--api-key", "from-flag"});
  CHECK(scalar.result.settings.api_key == "from-flag");
}

TEST_CASE("Config: a bad element names its own origin, also beside a flag's", "[config][lists]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const TempFile file("api-key = \"k\"\ntrusted-proxy = [\"not-an-ip\"]\n");
  // The flag's valid address used to replace the file's list and hide its mistake.
  const Run r = run({"--config", file.path(), "--trusted-proxy", "10.0.0.1"});
  REQUIRE(r.result.exit_code.has_value());
  CHECK(*r.result.exit_code == proof::app::kExitBadSettings);
  CHECK_THAT(r.err, Catch::Contains(file.path() + ":2: trusted-proxy: 'not-an-ip'"));
  const Run flag = run({"--config", file.path(), "--trusted-proxy", "proxy.local"});
  CHECK_THAT(flag.err, Catch::Contains(":2: trusted-proxy: 'not-an-ip'"));
}

TEST_CASE("Config: a rotation's secrets from the file and a flag are one list, each counted",
          "[config][lists][secrets]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const TempFile file(
      "api-key = \"k\"\nstripe-secret = [\"whsec_old_one\"]\n"
      "shopify-secret = [\"shop-a\", \"shop-b\"]\n");
  const Run r = run({"check-config", "--config", file.path(), "--stripe-secret", "whsec_new_one",
                     "--shopify-secret", "shop-a"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const auto& s = r.result.settings;
  // The old secret keeps verifying while the new one is added.
  CHECK(s.stripe_secrets == std::vector<std::string>{"whsec_old_one", "whsec_new_one"});
  CHECK(s.shopify_secrets == std::vector<std::string>{"shop-a", "shop-b"});
  const std::vector<std::string> expected{
      "api-key: from " + file.path(),
      "stripe: 2 secrets (1 from " + file.path() + ", 1 from --stripe-secret)",
      "shopify: 2 secrets (2 from " + file.path() + "; 1 given again, counted once)"};
  CHECK(s.secret_sources == expected);
  // check-config prints the same lines, and no secret anywhere.
  const std::string text = proof::app::to_config_text(s);
  for (const auto& line : expected) CHECK_THAT(text, Catch::Contains("#   " + line + "\n"));
  for (const char* secret : {"whsec_old_one", "whsec_new_one", "shop-a", "shop-b"}) {
    CHECK_THAT(text + proof::app::describe(s) + r.err + r.out, !Catch::Contains(secret));
  }
}

namespace {

/// A secret file as an operator writes one: readable by its owner alone unless `perms` says
/// otherwise.
class SecretFile : public TempFile {
 public:
  explicit SecretFile(const std::string& content,
                      fs::perms perms = fs::perms::owner_read | fs::perms::owner_write)
      : TempFile(content) {
    fs::permissions(path(), perms);
  }
};

/// The warnings of `proof check-config` with `args`, which must be valid.
std::vector<std::string> warnings_of(std::initializer_list<std::string> args) {
  std::vector<std::string> words{"check-config"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<std::string> full{"proof"};
  full.insert(full.end(), words.begin(), words.end());
  std::vector<const char*> argv = argv_of(full);
  Capture out(std::cout);
  Capture err(std::cerr);
  const Invocation inv = proof::app::parse_command_line(static_cast<int>(argv.size()), argv.data());
  INFO(err.text());
  REQUIRE_FALSE(inv.exit_code.has_value());
  return inv.warnings;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

}  // namespace

TEST_CASE("Config: every secret has a file form, as a flag and as a key of the file",
          "[config][secrets]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const std::vector<std::pair<std::string, std::string>> secrets{
      {"stripe-secret", "whsec_from_a_file"},
      {"shopify-secret", "shpss_from_a_file"},
      {"woocommerce-secret", "woo-from-a-file"},
      {"lemonsqueezy-secret", "lemon-from-a-file"},
      {"webhook-secret", "whsec_c2VjcmV0LWZyb20tYS1maWxl"},
  };
  for (const auto& [key, secret] : secrets) {
    INFO(key);
    const SecretFile file(secret + "\n");
    const proof::app::SettingSpec* spec = nullptr;
    for (const auto& row : proof::app::settings_table()) {
      if (row.key == key) spec = &row;
    }
    REQUIRE(spec != nullptr);
    Run flag = run({"--api-key", "k", "--" + key + "-file", file.path()});
    INFO(flag.err);
    REQUIRE_FALSE(flag.result.exit_code.has_value());
    CHECK(spec->items(flag.result.settings) == std::vector<std::string>{secret});

    const SecretFile config("api-key = \"k\"\n" + key + "-file = \"" + file.path() + "\"\n");
    Run in_file = run({"--config", config.path()});
    INFO(in_file.err);
    REQUIRE_FALSE(in_file.result.exit_code.has_value());
    CHECK(spec->items(in_file.result.settings) == std::vector<std::string>{secret});
  }

  const SecretFile key("the-key-from-a-file\n");
  const Run flag = run({"--api-key-file", key.path()});
  INFO(flag.err);
  REQUIRE_FALSE(flag.result.exit_code.has_value());
  CHECK(flag.result.settings.api_key == "the-key-from-a-file");
  const SecretFile config("api-key-file = \"" + key.path() + "\"\n");
  CHECK(run({"--config", config.path()}).result.settings.api_key == "the-key-from-a-file");
  // The operator commands take it too, so that their key is not in argv either.
  const Run send =
      run({"send", "--api-key-file", key.path(), "--user", "Jane", "--offer", "Newsletter"});
  REQUIRE_FALSE(send.result.exit_code.has_value());
  CHECK(send.result.settings.api_key == "the-key-from-a-file");
}

TEST_CASE("Config: a secret file holds one secret a line, as a rotation needs",
          "[config][secrets]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  // Blank lines, CRLF line ends and spaces around a secret are how files get edited.
  const SecretFile file("\nwhsec_old_one  \r\n\n  whsec_new_one\r\n");
  const SecretFile config("api-key = \"k\"\nstripe-secret = [\"whsec_in_config\"]\n");
  const Run r = run({"check-config", "--config", config.path(), "--stripe-secret-file", file.path(),
                     "--stripe-secret", "whsec_on_the_command_line"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const auto& s = r.result.settings;
  CHECK(s.stripe_secrets == std::vector<std::string>{"whsec_in_config", "whsec_on_the_command_line",
                                                     "whsec_old_one", "whsec_new_one"});
  const std::string line = "stripe: 4 secrets (1 from " + config.path() +
                           ", 1 from --stripe-secret, 2 from --stripe-secret-file " + file.path() +
                           ")";
  CHECK_THAT(joined(s.secret_sources), Catch::Contains(line));
  const std::string text = proof::app::to_config_text(s);
  CHECK_THAT(text, Catch::Contains(line));
  for (const char* secret : {"whsec_old_one", "whsec_new_one", "whsec_in_config"}) {
    CHECK_THAT(text + proof::app::describe(s) + r.err, !Catch::Contains(secret));
  }
}

TEST_CASE("Config: a secret file's mistakes name the file and the line, never the secret",
          "[config][secrets]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const SecretFile two_on_a_line("whsec_first_ok\nwhsec_aaa whsec_bbb\n");
  const SecretFile api_key("sk_live_notawebhooksecret\n");
  const SecretFile blank("\n  \n");
  const SecretFile two_keys("\nkone-7f3c\nktwo-9c1e\n");
  const std::vector<std::tuple<std::vector<std::string>, std::string, std::string>> cases{
      {{"--stripe-secret-file", two_on_a_line.path()},
       two_on_a_line.path() + ":2 (--stripe-secret-file): a space inside the line",
       "whsec_aaa"},
      {{"--stripe-secret-file", api_key.path()},
       api_key.path() + ":1 (--stripe-secret-file): a secret is a Stripe API key",
       "sk_live_notawebhooksecret"},
      {{"--webhook-secret-file", blank.path()},
       "--webhook-secret-file: '" + blank.path() + "' holds no secret",
       ""},
      {{"--shopify-secret-file", "/nonexistent/proof-secret"},
       "--shopify-secret-file: '/nonexistent/proof-secret' cannot be read",
       ""},
      {{"--api-key-file", two_keys.path()},
       "--api-key-file: " + two_keys.path() + ":3: the file holds more than one line",
       "7f3c"},
      {{"--api-key-file", blank.path()}, "--api-key-file: '" + blank.path() + "' is empty", ""},
  };
  for (const auto& [args, message, secret] : cases) {
    INFO(args[0] << " " << args[1]);
    std::vector<std::string> words{"proof", "check-config"};
    if (args[0] != "--api-key-file") words.insert(words.end(), {"--api-key", "k"});
    words.insert(words.end(), args.begin(), args.end());
    std::vector<const char*> argv = argv_of(words);
    Capture out(std::cout);
    Capture err(std::cerr);
    const Invocation inv =
        proof::app::parse_command_line(static_cast<int>(argv.size()), argv.data());
    INFO(err.text());
    REQUIRE(inv.exit_code.has_value());
    CHECK(*inv.exit_code == proof::app::kExitBadSettings);
    CHECK_THAT(err.text(), Catch::Contains(message));
    if (!secret.empty()) CHECK_THAT(err.text(), !Catch::Contains(secret));
  }
}

TEST_CASE("Config: the key's file follows the rule of one value: a flag overrides the file",
          "[config][secrets]") {
  const EnvVar env("PROOF_API_KEY", std::string("from-the-environment"));
  const SecretFile key("from-the-key-file\n");
  const std::string file_line = "api-key-file = \"" + key.path() + "\"\n";

  // Given twice at one level, it is refused rather than one silently chosen.
  const Run flags = run({"--api-key", "k", "--api-key-file", key.path()});
  CHECK(flags.result.exit_code == proof::app::kExitBadSettings);
  CHECK_THAT(flags.err, Catch::Contains("--api-key-file: the key is given by --api-key too"));
  const SecretFile both("api-key = \"k\"\n" + file_line);
  {
    const EnvVar no_env("PROOF_API_KEY", std::nullopt);
    const Run file = run({"--config", both.path()});
    CHECK(file.result.exit_code == proof::app::kExitBadSettings);
    CHECK_THAT(file.err, Catch::Contains("give it in one place"));
    const EnvVar file_env("PROOF_API_KEY_FILE", key.path());
    const EnvVar key_env("PROOF_API_KEY", std::string("k"));
    const Run env_both = run({});
    CHECK(env_both.result.exit_code == proof::app::kExitBadSettings);
    CHECK_THAT(env_both.err,
               Catch::Contains("PROOF_API_KEY_FILE: the key is given by PROOF_API_KEY too"));
  }

  // A flag overrides the file, whichever form each has; the environment (PROOF_API_KEY,
  // set here) comes between them.
  const SecretFile key_in_file("api-key = \"from-the-config\"\n");
  const Run flag_file = run({"--config", key_in_file.path(), "--api-key-file", key.path()});
  CHECK(flag_file.result.settings.api_key == "from-the-key-file");
  CHECK_THAT(joined(flag_file.result.settings.secret_sources),
             Catch::Contains("api-key: from --api-key-file " + key.path()));
  const SecretFile file_in_file("api-key-file = \"/nonexistent/key\"\n");
  const Run flag_key = run({"--config", file_in_file.path(), "--api-key", "from-the-flag"});
  INFO(flag_key.err);
  CHECK(flag_key.result.settings.api_key == "from-the-flag");
  CHECK(run({"--api-key-file", key.path()}).result.settings.api_key == "from-the-key-file");

  // check-config's output reads back: the key's line is a comment beside the file's.
  const std::string text = proof::app::to_config_text(flag_file.result.settings);
  CHECK_THAT(
      text, Catch::Contains("# api-key = (read from api-key-file, redacted)") &&
                Catch::Contains("api-key-file = \"" + key.path() + "\"  # from --api-key-file\n") &&
                !Catch::Contains("from-the-key-file"));
}

TEST_CASE("Config: a file with a secret that group or others may read is warned about",
          "[config][secrets]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const EnvVar no_credentials("CREDENTIALS_DIRECTORY", std::nullopt);
  using fs::perms;
  const SecretFile open_secret("whsec_readable\n", perms::owner_read | perms::owner_write |
                                                       perms::group_read | perms::others_read);
  const SecretFile group_secret("whsec_group\n",
                                perms::owner_read | perms::owner_write | perms::group_read);
  const SecretFile closed_secret("whsec_closed_and_long\n");  // 16 or more: no warning of length
  const std::string all = joined(warnings_of(
      {"--api-key", "k", "--stripe-secret-file", open_secret.path(), "--stripe-secret-file",
       group_secret.path(), "--stripe-secret-file", closed_secret.path()}));
  CHECK_THAT(all, Catch::Contains("'" + open_secret.path() +
                                  "' holds a secret and is readable by its group and others "
                                  "(mode 0644)"));
  CHECK_THAT(all, Catch::Contains("'" + group_secret.path() +
                                  "' holds a secret and is readable by its group (mode 0640)"));
  CHECK_THAT(all, !Catch::Contains(closed_secret.path()));

  // The config file when it holds a secret itself, and only then.
  const SecretFile config_with_key("api-key = \"k\"\n",
                                   perms::owner_read | perms::owner_write | perms::others_read);
  CHECK_THAT(joined(warnings_of({"--config", config_with_key.path()})),
             Catch::Contains("'" + config_with_key.path() + "'") &&
                 Catch::Contains("readable by others (mode 0604)"));
  const SecretFile config_with_files(
      "api-key-file = \"" + closed_secret.path() + "\"\n",
      perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
  CHECK(warnings_of({"--config", config_with_files.path()}).empty());
  const SecretFile redis_password(
      "redis = \"redis://proof:hunter2@127.0.0.1:1\"\napi-key-file = \"" + closed_secret.path() +
          "\"\n",
      perms::owner_read | perms::owner_write | perms::group_read);
  CHECK_THAT(joined(warnings_of({"--config", redis_password.path()})),
             Catch::Contains("'" + redis_password.path() + "' holds a secret"));

  // systemd's credentials are the service's alone, whatever their mode bits say.
  const EnvVar credentials("CREDENTIALS_DIRECTORY", fs::temp_directory_path().string());
  CHECK(warnings_of({"--api-key", "a-key-of-16-chars", "--stripe-secret-file", open_secret.path()})
            .empty());
}

namespace {

/// A value its row takes, as text: the default as check-config writes it, or "x" for a row
/// whose default is empty (a file name, a URL, the key).
std::string some_value(const proof::app::SettingSpec& spec) {
  const std::string shown = proof::app::bare(spec.show(proof::app::Settings{}));
  return shown.empty() ? "x" : shown;
}

}  // namespace

// No list of variable names is written anywhere: each row of the table has its variable.
TEST_CASE("Config: every setting is read from PROOF_ and its name in capitals", "[config][env]") {
  for (const auto& spec : proof::app::settings_table()) {
    std::string name = "PROOF_";
    for (const char c : spec.key) {
      name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    INFO(name);
    CHECK(proof::app::environment_name(spec.key) == name);
    const bool list = spec.kind == proof::app::SettingSpec::Kind::list;
    const EnvVar variable(name.c_str(), list ? std::string("one two") : some_value(spec));
    proof::app::Origins origins;
    proof::app::collect(proof::app::GivenValues{}, origins);
    REQUIRE(origins.of_key.count(spec.key) == 1);
    CHECK(origins.of_key.at(spec.key).at == name);
    if (list) CHECK(origins.of_items.at(spec.key).size() == 2);
  }
}

TEST_CASE("Config: a flag overrides a variable, which overrides the file", "[config][env]") {
  const EnvVar no_key("PROOF_API_KEY", std::nullopt);
  const TempFile file(
      "api-key = \"k\"\nport = 7000\nhistory = 5\nheartbeat = 20\n"
      "allowed-origin = [\"https://a.example\"]\n");
  const EnvVar port("PROOF_PORT", std::string("7001"));
  const EnvVar history("PROOF_HISTORY", std::string("6"));
  const EnvVar origins("PROOF_ALLOWED_ORIGIN",
                       std::string(" https://b.example\thttps://c.example "));
  const EnvVar hsts("PROOF_HSTS", std::string("yes"));
  const Run r = run({"check-config", "--config", file.path(), "--port", "7002", "--allowed-origin",
                     "https://d.example"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const auto& s = r.result.settings;
  CHECK(s.port == 7002);
  CHECK(s.history == 6);
  CHECK(s.heartbeat_seconds == 20);
  CHECK(s.hsts);
  // A list's values, separated by white space, add to the file's; the flags' add to both.
  CHECK(s.allowed_origins == std::vector<std::string>{"https://a.example", "https://b.example",
                                                      "https://c.example", "https://d.example"});

  // check-config says where each value it prints came from; what nothing gave, nothing.
  const std::string text = proof::app::to_config_text(s);
  CHECK_THAT(text, Catch::Contains("port = 7002  # from --port\n"));
  CHECK_THAT(text, Catch::Contains("history = 6  # from PROOF_HISTORY\n"));
  CHECK_THAT(text, Catch::Contains("heartbeat = 20  # from " + file.path() + "\n"));
  CHECK_THAT(text, Catch::Contains("hsts = true  # from PROOF_HSTS\n"));
  CHECK_THAT(text, Catch::Contains("  # from " + file.path() +
                                   ", PROOF_ALLOWED_ORIGIN, --allowed-origin\n"));
  CHECK_THAT(text, Catch::Contains("max-subscribers = 10000\n"));
  // ...and still reads back as the same settings.
  const TempFile again(text);
  const EnvVar no_port("PROOF_PORT", std::nullopt);
  const EnvVar no_history("PROOF_HISTORY", std::nullopt);
  const EnvVar no_origins("PROOF_ALLOWED_ORIGIN", std::nullopt);
  const EnvVar no_hsts("PROOF_HSTS", std::nullopt);
  const Run back = run({"--config", again.path(), "--api-key", "k"});
  INFO(back.err);
  REQUIRE_FALSE(back.result.exit_code.has_value());
  CHECK(back.result.settings.port == 7002);
  CHECK(back.result.settings.allowed_origins == s.allowed_origins);
}

TEST_CASE("Config: an empty variable is not set, a wrong one is named", "[config][env]") {
  const EnvVar key("PROOF_API_KEY", std::string("k"));
  {
    // How a compose file turns off the image's default: PROOF_DATA_DIR: "".
    const EnvVar empty("PROOF_BIND", std::string());
    const Run r = run({});
    INFO(r.err);
    REQUIRE_FALSE(r.result.exit_code.has_value());
    CHECK(r.result.settings.bind == "127.0.0.1");
  }
  for (const auto& [name, value, message] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PROOF_PORT", "70000", "PROOF_PORT: 70000 is not between 0 and 65535"},
           {"PROOF_DISPLAY_NAME", "nick", "PROOF_DISPLAY_NAME: 'nick' is not one of"},
           {"PROOF_HSTS", "maybe", "PROOF_HSTS: 'maybe' is not true or false"},
           {"PROOF_TRUSTED_PROXY", "10.0.0.1 proxy.local",
            "PROOF_TRUSTED_PROXY: 'proxy.local' is not an IP address"}}) {
    INFO(name);
    const EnvVar variable(name.c_str(), value);
    const Run r = run({});
    REQUIRE(r.result.exit_code.has_value());
    CHECK(*r.result.exit_code == proof::app::kExitBadSettings);
    CHECK_THAT(r.err, Catch::Contains(message));
  }
}

TEST_CASE("Config: secrets from files named by variables, as a container's /run/secrets",
          "[config][env][secrets]") {
  const EnvVar no_key("PROOF_API_KEY", std::nullopt);
  const SecretFile key("the-key-from-a-secret\n");
  const SecretFile stripe("whsec_from_run_secrets\n");
  const EnvVar key_file("PROOF_API_KEY_FILE", key.path());
  const EnvVar stripe_file("PROOF_STRIPE_SECRET_FILE", stripe.path());
  const TempFile config("api-key = \"from-the-config\"\n");
  const Run r = run({"check-config", "--config", config.path()});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const auto& s = r.result.settings;
  // The variable's file overrides the config file's key, as any variable would.
  CHECK(s.api_key == "the-key-from-a-secret");
  CHECK(s.stripe_secrets == std::vector<std::string>{"whsec_from_run_secrets"});
  const std::string sources = joined(s.secret_sources);
  CHECK_THAT(sources, Catch::Contains("api-key: from PROOF_API_KEY_FILE " + key.path()));
  CHECK_THAT(sources,
             Catch::Contains("stripe: 1 secret (1 from PROOF_STRIPE_SECRET_FILE " + stripe.path()));
  const std::string text = proof::app::to_config_text(s) + r.err + r.out;
  CHECK_THAT(text, !Catch::Contains("the-key-from-a-secret") &&
                       !Catch::Contains("whsec_from_run_secrets"));

  // A flag still overrides the variable's file.
  const Run flag = run({"--api-key", "from-the-flag"});
  CHECK(flag.result.settings.api_key == "from-the-flag");
}

TEST_CASE("Config: PROOF_CONFIG names the file when --config does not", "[config][env][file]") {
  const EnvVar no_key("PROOF_API_KEY", std::nullopt);
  const TempFile named("api-key = \"k\"\nport = 7010\n");
  const TempFile given("api-key = \"k\"\nport = 7011\n");
  const EnvVar config("PROOF_CONFIG", named.path());
  CHECK(run({}).result.settings.port == 7010);
  CHECK(run({"--config", given.path()}).result.settings.port == 7011);
}

TEST_CASE("Config: proof health asks the address the settings give, with no key",
          "[config][commands]") {
  const EnvVar no_key("PROOF_API_KEY", std::nullopt);
  const EnvVar bind("PROOF_BIND", std::string("0.0.0.0"));
  const EnvVar port("PROOF_PORT", std::string("7012"));
  const Run r = run({"health"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  CHECK(r.result.command == proof::app::Command::health);
  CHECK(r.result.target.url == "http://127.0.0.1:7012");
  CHECK_FALSE(r.result.target.verify_certificate);  // its own address, not the certificate's

  const Run url = run({"health", "--url", "https://proof.example"});
  REQUIRE_FALSE(url.result.exit_code.has_value());
  CHECK(url.result.target.url == "https://proof.example");
  CHECK(url.result.target.verify_certificate);
}
