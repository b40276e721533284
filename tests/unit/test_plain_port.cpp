// plain_port.h: what --http-port answers: which names can be ACME tokens, where a plain
// request is redirected, and which files under --acme-webroot can be read at all.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "http/plain_port.h"
#include "temp_dir.h"
#include "write_file.h"

namespace fs = std::filesystem;
using proof::http::acme_token_name;
using proof::http::https_location;
using proof::http::read_acme_challenge;
using proof::test::write_file;

TEST_CASE("ACME token names are base64url characters only", "[plain_port]") {
  // A token as Let's Encrypt and pebble issue them: 43 characters of base64url.
  CHECK(acme_token_name("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"));
  CHECK(acme_token_name("a"));
  CHECK(acme_token_name("-_09AZaz"));
  CHECK(acme_token_name(std::string(128, 'x')));
  const std::vector<std::string> refused_names = {"",
                                                  ".",
                                                  "..",
                                                  "a/b",
                                                  "a%2Fb",
                                                  "../etc",
                                                  ".hidden",
                                                  "a.b",
                                                  "a b",
                                                  "token=",
                                                  "a\\b",
                                                  "caf\xc3\xa9",
                                                  std::string("a\0b", 3),
                                                  std::string(129, 'x')};
  for (const auto& refused : refused_names) {
    INFO(refused);
    CHECK_FALSE(acme_token_name(refused));
  }
}

TEST_CASE("a plain request is redirected to its host over HTTPS, with the path and query",
          "[plain_port]") {
  CHECK(https_location("proof.example.com", "/events?channel=a", 443) ==
        "https://proof.example.com/events?channel=a");
  // Host's port is the plain one: the HTTPS port takes its place, left out when it is 443.
  CHECK(https_location("proof.example.com:80", "/", 443) == "https://proof.example.com/");
  CHECK(https_location("Proof.Example.com.:8080", "/a/b", 8443) ==
        "https://Proof.Example.com.:8443/a/b");
  CHECK(https_location("127.0.0.1:8080", "/proof.js", 443) == "https://127.0.0.1/proof.js");
  CHECK(https_location("[::1]:80", "/", 6009) == "https://[::1]:6009/");
  CHECK(https_location("[2001:db8::1]", "/x", 443) == "https://[2001:db8::1]/x");
  // A path that starts with "//" stays a path on the same host.
  CHECK(https_location("proof.example.com", "//evil.example/x", 443) ==
        "https://proof.example.com//evil.example/x");
}

TEST_CASE("a Host that could change the redirect's shape is refused", "[plain_port]") {
  for (const char* host :
       {"", "evil.example/x", "user@evil.example", "evil.example?x", "evil.example#x", "a:b:c",
        "a:", "a:123456", "a:8o", "[::1", "[::1]x", "[::1]:", "[evil.example]", "a..b", ".a", "a b",
        "a\\b", "\xc3\xa9.example", ":80"}) {
    INFO(host);
    CHECK_FALSE(https_location(host, "/", 443));
  }
  // Only a path can follow the host: not the asterisk form or an absolute URL.
  CHECK_FALSE(https_location("proof.example.com", "*", 443));
  CHECK_FALSE(https_location("proof.example.com", "http://evil.example/", 443));
  CHECK_FALSE(https_location("proof.example.com", "", 443));
}

TEST_CASE("a challenge is read from the webroot, and nothing else is", "[plain_port]") {
  const proof::test::TempDir dir("acme");
  const fs::path webroot = dir.path / "webroot";
  const fs::path challenges = webroot / ".well-known" / "acme-challenge";
  write_file(challenges / "good-token_1", "good-token_1.thumbprint");
  write_file(dir.path / "secret", "outside the webroot");
  write_file(webroot / "elsewhere" / "token", "not a challenge");
  write_file(webroot / ".well-known" / "hidden", "not a challenge");
  const std::string root = webroot.string();

  CHECK(read_acme_challenge(root, "good-token_1") == "good-token_1.thumbprint");
  CHECK_FALSE(read_acme_challenge(root, "missing"));
  // Names that would leave acme-challenge/ are not tokens.
  CHECK_FALSE(read_acme_challenge(root, "../hidden"));
  CHECK_FALSE(read_acme_challenge(root, ".."));
  CHECK_FALSE(read_acme_challenge(root, "../../elsewhere/token"));

  // A link planted in the webroot, to a file outside it or inside it: never followed.
  fs::create_symlink(dir.path / "secret", challenges / "outside");
  fs::create_symlink(challenges / "good-token_1", challenges / "inside");
  CHECK_FALSE(read_acme_challenge(root, "outside"));
  CHECK_FALSE(read_acme_challenge(root, "inside"));
  // Not a regular file: a directory, a FIFO (which would block a reader).
  fs::create_directories(challenges / "directory");
  CHECK_FALSE(read_acme_challenge(root, "directory"));
  REQUIRE(::mkfifo((challenges / "fifo").c_str(), 0600) == 0);
  CHECK_FALSE(read_acme_challenge(root, "fifo"));
  // Larger than any key authorization.
  write_file(challenges / "large", std::string(4097, 'x'));
  CHECK_FALSE(read_acme_challenge(root, "large"));
  write_file(challenges / "just-fits", std::string(4096, 'x'));
  CHECK(read_acme_challenge(root, "just-fits") == std::string(4096, 'x'));

  // The directories below the webroot may not be links either...
  const fs::path other = dir.path / "other";
  write_file(other / ".well-known" / "acme-challenge" / "token", "elsewhere");
  fs::create_directories(other / "acme-challenge");
  write_file(other / "acme-challenge" / "token", "elsewhere");
  const fs::path linked = dir.path / "linked";
  fs::create_directories(linked / ".well-known");
  fs::create_directory_symlink(other / "acme-challenge", linked / ".well-known" / "acme-challenge");
  CHECK_FALSE(read_acme_challenge(linked.string(), "token"));
  fs::create_directories(dir.path / "linked2");
  fs::create_directory_symlink(other / ".well-known", dir.path / "linked2" / ".well-known");
  CHECK_FALSE(read_acme_challenge((dir.path / "linked2").string(), "token"));
  // ...but the webroot itself may be reached through one (/var/lib/proof is, under systemd).
  fs::create_directory_symlink(webroot, dir.path / "via-link");
  CHECK(read_acme_challenge((dir.path / "via-link").string(), "good-token_1") ==
        "good-token_1.thumbprint");
  CHECK_FALSE(read_acme_challenge((dir.path / "missing").string(), "good-token_1"));
}
