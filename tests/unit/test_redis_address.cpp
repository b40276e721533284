// store/redis_address.h: the --redis URL as the Redis clients write it, with a user and a
// password, and every message about it with the password as ***.
#include <catch2/catch.hpp>
#include <string>

#include "store/redis_address.h"

using proof::store::parse_redis_url;
using proof::store::redacted_redis_url;

namespace {

proof::store::RedisAddress parsed(const std::string& url) {
  std::string error;
  const auto address = parse_redis_url(url, error);
  INFO(url << ": " << error);
  REQUIRE(address.has_value());
  return *address;
}

std::string refusal(const std::string& url) {
  std::string error;
  CHECK_FALSE(parse_redis_url(url, error).has_value());
  return error;
}

}  // namespace

TEST_CASE("Redis URL: host, port, database and the default port", "[redis_address]") {
  const auto plain = parsed("redis://10.0.0.5:6380/2");
  CHECK(plain.host == "10.0.0.5");
  CHECK(plain.port == 6380);
  CHECK(plain.db == 2);
  CHECK(plain.user.empty());
  CHECK(plain.password.empty());

  CHECK(parsed("redis://redis.internal").port == 6379);
  CHECK(parsed("redis://redis.internal/3").db == 3);
  CHECK(parsed("redis://[::1]").host == "::1");
  CHECK(parsed("redis://[::1]:6390/1").port == 6390);
  CHECK(parsed("unix:///run/redis/redis.sock").unix_path == "/run/redis/redis.sock");
}

TEST_CASE("Redis URL: an ACL user and password, or a password alone", "[redis_address]") {
  const auto acl = parsed("redis://proof:s3cret@10.0.0.5:6379/1");
  CHECK(acl.user == "proof");
  CHECK(acl.password == "s3cret");
  CHECK(acl.host == "10.0.0.5");
  CHECK(acl.db == 1);

  const auto legacy = parsed("redis://:s3cret@localhost");
  CHECK(legacy.user.empty());  // AUTH password: requirepass, the default user
  CHECK(legacy.password == "s3cret");

  const auto user_only = parsed("redis://proof@localhost");  // the password from a file
  CHECK(user_only.user == "proof");
  CHECK(user_only.password.empty());
}

TEST_CASE("Redis URL: passwords with @ : / and percent-encoding", "[redis_address]") {
  // The last @ ends the user part: hosts never hold one, passwords may.
  CHECK(parsed("redis://proof:a@b:c/d@localhost:6379/0").password == "a@b:c/d");
  CHECK(parsed("redis://proof:a%40b%3Ac%2Fd%25@localhost").password == "a@b:c/d%");
  CHECK(parsed("redis://pr%6Fof:x@localhost").user == "proof");
  CHECK_THAT(refusal("redis://proof:100%@localhost"), Catch::Contains("write % as %25"));
}

TEST_CASE("Redis URL: what is refused, and how it is said", "[redis_address]") {
  CHECK_THAT(refusal("localhost:6379"), Catch::Contains("is not a Redis URL"));
  CHECK_THAT(refusal("redis://"), Catch::Contains("has no host"));
  CHECK_THAT(refusal("redis://localhost:"), Catch::Contains("the port must be"));
  CHECK_THAT(refusal("redis://localhost:99999"), Catch::Contains("the port must be"));
  CHECK_THAT(refusal("redis://localhost/x"), Catch::Contains("the database"));
  CHECK_THAT(refusal("redis://::1:6379"), Catch::Contains("in brackets"));
  CHECK_THAT(refusal("redis://[::1"), Catch::Contains("no ]"));
  CHECK_THAT(refusal("unix://relative.sock"), Catch::Contains("absolute socket path"));
  // Every refusal names the forms, and never the password.
  for (const std::string url : {"redis://proof:hunter2@localhost:0", "http://proof:hunter2@x",
                                "redis://proof:hunter2@/x", "redis://:hunter2@h:1/db"}) {
    INFO(url);
    const std::string error = refusal(url);
    CHECK_THAT(error, !Catch::Contains("hunter2") && Catch::Contains("***") &&
                          Catch::Contains("redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]"));
  }
}

TEST_CASE("Redis URL: printed with the password as ***", "[redis_address]") {
  CHECK(redacted_redis_url("redis://proof:s3cret@10.0.0.5:6379/1") ==
        "redis://proof:***@10.0.0.5:6379/1");
  CHECK(redacted_redis_url("redis://:s3cret@localhost") == "redis://:***@localhost");
  CHECK(redacted_redis_url("redis://proof:a@b@localhost") == "redis://proof:***@localhost");
  // No password, nothing hidden: a user name is no secret.
  CHECK(redacted_redis_url("redis://proof@localhost") == "redis://proof@localhost");
  CHECK(redacted_redis_url("redis://localhost:6379") == "redis://localhost:6379");
  CHECK(redacted_redis_url("unix:///run/redis.sock") == "unix:///run/redis.sock");
  CHECK(redacted_redis_url("user:s3cret@somewhere") == "user:***@somewhere");
}
