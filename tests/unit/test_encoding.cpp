// core/encoding.h and core/digest.h: the encodings signatures travel in, and the digests
// and comparison every verified source relies on, against published test vectors.
#include <catch2/catch.hpp>
#include <string>

#include "core/digest.h"
#include "core/encoding.h"

using proof::core::from_base64;
using proof::core::from_hex;
using proof::core::to_base64;
using proof::core::to_hex;

TEST_CASE("Encoding: base64 matches RFC 4648's test vectors both ways", "[encoding]") {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    INFO(plain);
    CHECK(to_base64(plain) == encoded);
    CHECK(from_base64(encoded) == std::string(plain));
  }
  CHECK(from_base64("Zg") == std::string("f"));  // padding is optional
  CHECK(to_base64(std::string("\xFB\xFF", 2)) == "+/8=");
}

TEST_CASE("Encoding: base64 refuses what is not one spelling of bytes", "[encoding]") {
  for (const char* bad : {"Zg=", "Z", "Zm9v Yg==", "-_8=", "Zh==", "Zm9=", "Zg===", "Z===", "!"}) {
    INFO(bad);
    CHECK_FALSE(from_base64(bad).has_value());
  }
}

TEST_CASE("Encoding: hex is lowercase out, either case in, even length only", "[encoding]") {
  CHECK(to_hex(std::string("\x00\x7F\xFF", 3)) == "007fff");
  CHECK(from_hex("007FfF") == std::string("\x00\x7F\xFF", 3));
  CHECK_FALSE(from_hex("abc").has_value());
  CHECK_FALSE(from_hex("zz").has_value());
}

TEST_CASE("Digest: HMAC-SHA256 and SHA-256 match RFC 4231 and FIPS 180-2", "[digest]") {
  CHECK(to_hex(proof::core::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(to_hex(proof::core::sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(proof::core::hmac_sha256("", "x").size() == 32);  // an empty key is a key
}

TEST_CASE("Digest: same_bytes compares whole values", "[digest]") {
  CHECK(proof::core::same_bytes("abc", "abc"));
  CHECK(proof::core::same_bytes("", ""));
  CHECK_FALSE(proof::core::same_bytes("abc", "abd"));
  CHECK_FALSE(proof::core::same_bytes("abc", "ab"));
  CHECK_FALSE(proof::core::same_bytes(std::string("a\0c", 3), std::string("a\0d", 3)));
}
