// auth.h: where the publisher's key is read from and how it is compared.
#include <catch2/catch.hpp>

#include <string_view>

#include "http/auth.h"

TEST_CASE("Auth: keys_equal accepts only the exact key", "[auth]") {
  CHECK(proof::http::keys_equal("s3cret", "s3cret"));
  CHECK(proof::http::keys_equal("k", "k"));
  CHECK_FALSE(proof::http::keys_equal("s3cret", "s3cre"));         // a prefix
  CHECK_FALSE(proof::http::keys_equal("s3cret", "s3cret!"));       // longer
  CHECK_FALSE(proof::http::keys_equal("s3cret", "s3crets3cret"));  // the key twice over
  CHECK_FALSE(proof::http::keys_equal("s3cret", "S3cret"));        // case matters
  CHECK_FALSE(proof::http::keys_equal("s3cret", "x3cret"));        // first byte differs
  CHECK_FALSE(proof::http::keys_equal("s3cret", "s3creT"));        // last byte differs
  CHECK_FALSE(proof::http::keys_equal("s3cret", ""));              // nothing given
  CHECK_FALSE(
      proof::http::keys_equal("ab", std::string_view("ab\0", 3)));  // a trailing NUL is not the key
}

TEST_CASE("Auth: an empty expected key never matches, not even an empty one", "[auth]") {
  CHECK_FALSE(proof::http::keys_equal("", ""));
  CHECK_FALSE(proof::http::keys_equal("", "anything"));
}

TEST_CASE("Auth: the key comes from Authorization: Bearer, in any case", "[auth][headers]") {
  CHECK(proof::http::key_from_headers("Bearer abc", "") == "abc");
  CHECK(proof::http::key_from_headers("bearer abc", "") == "abc");
  CHECK(proof::http::key_from_headers("BEARER abc", "") == "abc");
  CHECK(proof::http::key_from_headers("BeArEr abc", "") == "abc");
  CHECK(proof::http::key_from_headers("  Bearer    abc  ", "") == "abc");
  CHECK(proof::http::key_from_headers("Bearer abc", "other") ==
        "abc");  // Bearer wins over X-API-Key
}

TEST_CASE("Auth: X-API-Key is used when there is no Bearer token", "[auth][headers]") {
  CHECK(proof::http::key_from_headers("", "abc") == "abc");
  CHECK(proof::http::key_from_headers("", "  abc ") == "abc");
  CHECK(proof::http::key_from_headers("Basic dXNlcjpwYXNz", "abc") == "abc");
  CHECK(proof::http::key_from_headers("Basic dXNlcjpwYXNz", "").empty());
  CHECK(proof::http::key_from_headers("Bearer", "abc") == "abc");  // no token after the scheme
  CHECK(proof::http::key_from_headers("Bearer   ", "abc") == "abc");
  CHECK(proof::http::key_from_headers("Bearerabc", "").empty());  // not the Bearer scheme
  CHECK(proof::http::key_from_headers("", "").empty());
}
