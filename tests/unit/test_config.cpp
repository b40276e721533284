// config.h: settings from flags, a --config file and PROOF_API_KEY, with their precedence.
#include <catch2/catch.hpp>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "app/config.h"

namespace fs = std::filesystem;
using proof::Invocation;

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

/// Sets (or unsets, with nullopt) an environment variable and restores it afterwards.
class EnvVar {
 public:
  EnvVar(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~EnvVar() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
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
    path_ = fs::temp_directory_path() /
            ("proof-unit-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".conf");
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
  std::vector<const char*> argv;
  for (const auto& w : words) argv.push_back(w.c_str());
  argv.push_back(nullptr);
  Run r;
  Capture out(std::cout);
  Capture err(std::cerr);
  r.result = proof::parse_command_line(static_cast<int>(words.size()), argv.data());
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
  const Run r = run({"--api-key", "k", "--bind", "0.0.0.0", "--port", "8080", "--history", "5",
                     "--heartbeat", "30", "--max-subscribers", "20", "--log-level", "debug",
                     "--public-dir", public_dir});
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
      "api-key = \"k\"\nport = 7000\nallowed-origin = [\"https://a.example\", \"https://b.example\"]\n");
  const Run r = run({"--config", file.path()});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const auto& s = r.result.settings;
  CHECK(s.api_key == "k");
  CHECK(s.port == 7000);
  CHECK(s.allowed_origins == std::vector<std::string>{"https://a.example", "https://b.example"});
  CHECK(s.bind == "127.0.0.1");  // what the file leaves out keeps its default
}

TEST_CASE("Config: a flag overrides the file, the file overrides PROOF_API_KEY", "[config][file]") {
  const EnvVar env("PROOF_API_KEY", std::string("from-env"));
  const TempFile file("api-key = \"from-file\"\nport = 7000\n");
  const Run r = run({"--config", file.path(), "--port", "7001"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  CHECK(r.result.settings.port == 7001);
  CHECK(r.result.settings.api_key == "from-file");

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
  const Run r = run({"--api-key", "k", "--allowed-origin", "HTTPS://Shop.Example/", "--allowed-origin",
                     "http://localhost:3000", "--allowed-origin", "*"});
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
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--port", "65536"}, {"--port", "-1"}, {"--port", "http"}, {"--heartbeat", "0"},
           {"--max-subscribers", "0"}, {"--history", "100001"}, {"--log-level", "loud"},
           {"--no-such-flag"}, {"--public-dir", "/nonexistent/proof-unit"},
           {"--tls-cert", "/nonexistent/cert.pem"}}) {
    INFO(args[0] << (args.size() > 1 ? " " + args[1] : ""));
    std::vector<std::string> words{"proof", "--api-key", "k"};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    for (const auto& w : words) argv.push_back(w.c_str());
    Capture out(std::cout);
    Capture err(std::cerr);
    const Invocation inv = proof::parse_command_line(static_cast<int>(argv.size()), argv.data());
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
  CHECK_THAT(version.out, Catch::Contains(proof::kVersion));
}

TEST_CASE("Config: describe redacts the key", "[config]") {
  proof::Settings s;
  s.api_key = "super-secret-key";
  s.allowed_origins = {"https://a.example"};
  const std::string line = proof::describe(s);
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
  CHECK(ok.result.command == proof::Command::check_config);
  CHECK(ok.result.settings.port == 7002);

  const Run bad = run({"check-config"});
  REQUIRE(bad.result.exit_code.has_value());
  CHECK(*bad.result.exit_code != 0);
  CHECK_THAT(bad.err, Catch::Contains("PROOF_API_KEY"));

  const Run serve = run({"--api-key", "k"});
  CHECK(serve.result.command == proof::Command::serve);
}

TEST_CASE("Config: send takes its fields and defaults its URL to the server's own", "[config][commands]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run r = run({"send", "--api-key", "k", "--port", "7003", "--user", "Jane", "--offer", "Pro",
                     "--city", "Lyon"});
  INFO(r.err);
  REQUIRE_FALSE(r.result.exit_code.has_value());
  CHECK(r.result.command == proof::Command::send);
  CHECK(r.result.send.user == "Jane");
  CHECK(r.result.send.offer == "Pro");
  CHECK(r.result.send.city == "Lyon");
  CHECK(r.result.send.url == "http://127.0.0.1:7003");

  const Run any = run({"send", "--api-key", "k", "--bind", "0.0.0.0", "--user", "J", "--offer", "P"});
  REQUIRE_FALSE(any.result.exit_code.has_value());
  CHECK(any.result.send.url == "http://127.0.0.1:6009");  // 0.0.0.0 is reached via loopback

  const Run missing = run({"send", "--api-key", "k", "--user", "Jane"});
  REQUIRE(missing.result.exit_code.has_value());
  CHECK(*missing.result.exit_code != 0);
}

TEST_CASE("Config: to_config_text redacts the key and lists the settings", "[config][file]") {
  const EnvVar no_env("PROOF_API_KEY", std::nullopt);
  const Run r = run({"--api-key", "super-secret", "--port", "7004", "--allowed-origin",
                     "https://a.example", "--history", "42"});
  REQUIRE_FALSE(r.result.exit_code.has_value());
  const std::string text = proof::to_config_text(r.result.settings);
  CHECK_THAT(text, !Catch::Contains("super-secret"));
  CHECK_THAT(text, Catch::Contains("port = 7004\n") && Catch::Contains("history = 42\n") &&
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
      first = proof::parse_command_line(static_cast<int>(argv.size()), argv.data());
    }
    REQUIRE_FALSE(first.exit_code.has_value());

    // Written out and read back (with the key given again), the settings are the same.
    const TempFile file(proof::to_config_text(first.settings));
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
