// cors.h: which pages may open streams (--allowed-origin) and how origins are written.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/cors.h"

using namespace std::string_literals;
using proof::http::OriginPolicy;
using Verdict = OriginPolicy::Verdict;

namespace {
const std::vector<std::string> kNone;  ///< no --allowed-origin given
}  // namespace

TEST_CASE("CORS: normalise lower-cases and drops the trailing slash", "[cors]") {
  CHECK(OriginPolicy::normalise("HTTPS://Shop.Example/") == "https://shop.example"s);
  CHECK(OriginPolicy::normalise("https://shop.example") == "https://shop.example"s);
  CHECK(OriginPolicy::normalise("http://Shop.Example:8080") == "http://shop.example:8080"s);
  CHECK(OriginPolicy::normalise(" https://shop.example ") == "https://shop.example"s);
  CHECK(OriginPolicy::normalise("http://127.0.0.1:6009") == "http://127.0.0.1:6009"s);
  CHECK(OriginPolicy::normalise("http://[::1]:6009") == "http://[::1]:6009"s);
  CHECK(OriginPolicy::normalise("*") == "*"s);
}

TEST_CASE("CORS: normalise refuses what is not scheme://host[:port]", "[cors]") {
  for (const char* junk :
       {"", "shop.example", "ftp://shop.example", "https://", "https:///",
        "https://shop.example/path", "https://shop.example?x", "https://user@shop.example",
        "https://shop example", "null", "javascript:alert(1)", "**"}) {
    INFO("'" << junk << "'");
    CHECK_FALSE(OriginPolicy::normalise(junk).has_value());
  }
}

TEST_CASE("CORS: a request without Origin is let through as such", "[cors]") {
  const OriginPolicy policy({"https://shop.example"});
  CHECK(policy.check("", "127.0.0.1:6009") == Verdict::kNoOrigin);
  CHECK(OriginPolicy(kNone).check("", "") == Verdict::kNoOrigin);
}

TEST_CASE("CORS: a page served by proof itself is same-origin", "[cors]") {
  const OriginPolicy none(kNone);
  CHECK(none.check("http://127.0.0.1:6009", "127.0.0.1:6009") == Verdict::kSameOrigin);
  CHECK(none.check("https://Proof.Example", "proof.example") == Verdict::kSameOrigin);
  CHECK(none.check("http://127.0.0.1:6009", "127.0.0.1:7000") == Verdict::kRefused);
  CHECK(none.check("http://evil.example", "127.0.0.1:6009") == Verdict::kRefused);
  CHECK(none.check("http://127.0.0.1:6009", "") == Verdict::kRefused);
}

TEST_CASE("CORS: a listed origin is allowed, in any case, and others are refused", "[cors]") {
  const OriginPolicy policy({"HTTPS://Shop.Example/", "http://localhost:3000"});
  CHECK(policy.check("https://shop.example", "proof.example") == Verdict::kAllowed);
  CHECK(policy.check("https://SHOP.example", "proof.example") == Verdict::kAllowed);
  CHECK(policy.check("http://localhost:3000", "proof.example") == Verdict::kAllowed);
  CHECK(policy.check("http://shop.example", "proof.example") == Verdict::kRefused);       // scheme
  CHECK(policy.check("https://shop.example:444", "proof.example") == Verdict::kRefused);  // port
  CHECK(policy.check("https://evil.shop.example", "proof.example") == Verdict::kRefused);
  CHECK(policy.check("https://shop.example.evil", "proof.example") == Verdict::kRefused);
  CHECK(policy.check("http://localhost:3001", "proof.example") == Verdict::kRefused);
}

TEST_CASE("CORS: the opaque origin null is refused", "[cors]") {
  CHECK(OriginPolicy({"https://shop.example"}).check("null", "proof.example") == Verdict::kRefused);
  CHECK(OriginPolicy(kNone).check("null", "proof.example") == Verdict::kRefused);
}

TEST_CASE("CORS: * allows any origin", "[cors]") {
  const OriginPolicy any({"*"});
  CHECK(any.check("https://anything.example", "proof.example") == Verdict::kAllowed);
  CHECK(any.check("http://localhost:1234", "proof.example") == Verdict::kAllowed);
  CHECK(any.check("", "proof.example") == Verdict::kNoOrigin);
}

TEST_CASE("CORS: junk in the configured list is ignored, not matched", "[cors]") {
  const OriginPolicy policy({"not an origin", "https://shop.example"});
  CHECK(policy.check("not an origin", "proof.example") == Verdict::kRefused);
  CHECK(policy.check("https://shop.example", "proof.example") == Verdict::kAllowed);
}
