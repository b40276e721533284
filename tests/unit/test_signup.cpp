// signup.h: what a publisher sends (form or JSON) and the checks before it reaches a page.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "catch_strings.h"
#include "core/signup.h"
#include "unicode_text.h"

using namespace std::string_literals;
using proof::core::Fields;
using proof::core::Refusal;
using proof::core::RejectReason;
using proof::core::Signup;
using proof::test::fill;
using proof::test::utf8;

namespace {

/// The value of an Outcome that must have succeeded (fails the test otherwise).
template <class T>
T accepted(const proof::core::Outcome<T>& outcome) {
  if (const auto* rejection = std::get_if<Refusal>(&outcome)) {
    FAIL("unexpectedly refused: " << proof::core::reason_label(rejection->reason) << ": "
                                  << rejection->message);
  }
  return std::get<T>(outcome);
}

/// The Refusal of an Outcome that must have failed.
template <class T>
Refusal refused(const proof::core::Outcome<T>& outcome) {
  REQUIRE(std::holds_alternative<Refusal>(outcome));
  return std::get<Refusal>(outcome);
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

/// The named text field of an accepted signup.
const std::string& field_of(const Signup& s, std::string_view name) {
  if (name == "user_name") return s.user_name;
  if (name == "offer_name") return s.offer_name;
  if (name == "img_path") return s.img_path;
  if (name == "city") return s.city;
  return s.url;
}

}  // namespace

// ---- parse_form -------------------------------------------------------------------------

TEST_CASE("Signup: the original's form body parses, empty img_path included", "[signup][form]") {
  const Fields f =
      accepted(proof::core::parse_form("api_key=k&user_name=Jane&offer_name=Newsletter&img_path="));
  CHECK(f.size() == 4);
  CHECK(f.at("api_key") == "k");
  CHECK(f.at("user_name") == "Jane");
  CHECK(f.at("offer_name") == "Newsletter");
  CHECK(f.at("img_path") == "");
}

TEST_CASE("Signup: form values are decoded, names too", "[signup][form]") {
  const Fields f =
      accepted(proof::core::parse_form("user%5Fname=Jane+Doe&city=S%C3%A3o+Paulo&flag"));
  CHECK(f.at("user_name") == "Jane Doe");
  CHECK(f.at("city") == "S\xC3\xA3o Paulo");
  CHECK(f.at("flag") == "");  // a name without '=' is an empty value
}

TEST_CASE("Signup: empty pairs in a form body are skipped", "[signup][form]") {
  const Fields f = accepted(proof::core::parse_form("&&user_name=Jane&&"));
  CHECK(f.size() == 1);
  CHECK(f.at("user_name") == "Jane");
  CHECK(accepted(proof::core::parse_form("")).empty());
}

TEST_CASE("Signup: a repeated form field is refused", "[signup][form]") {
  const Refusal r = refused(proof::core::parse_form("user_name=Jane&user_name=Eve"));
  CHECK(r.reason == RejectReason::kMalformed);
  CHECK_THAT(r.message, Catch::Contains("more than once"));
  // The same name spelt with an escape is the same field.
  CHECK(refused(proof::core::parse_form("user_name=a&user%5fname=b")).reason ==
        RejectReason::kMalformed);
}

TEST_CASE("Signup: a bad %-escape in a form body is refused", "[signup][form]") {
  CHECK(refused(proof::core::parse_form("user_name=%G1")).reason == RejectReason::kMalformed);
  CHECK(refused(proof::core::parse_form("user_name=Jane&offer_name=50%")).reason ==
        RejectReason::kMalformed);
  CHECK(refused(proof::core::parse_form("user%4=Jane")).reason == RejectReason::kMalformed);
}

TEST_CASE("Signup: unknown form fields are kept and then ignored by validate", "[signup][form]") {
  const Fields f = accepted(proof::core::parse_form("user_name=Jane&utm_source=mail&api_key=k"));
  CHECK(f.at("utm_source") == "mail");
  const Signup s = accepted(proof::core::validate(f));
  CHECK(s.user_name == "Jane");
}

// ---- parse_json -------------------------------------------------------------------------

TEST_CASE("Signup: a JSON object of strings parses", "[signup][json]") {
  const Fields f = accepted(proof::core::parse_json(
      R"({"user_name":"Jane \"JD\" Doe","offer_name":"Pro","city":"Z\u00fcrich","extra":"kept"})"));
  CHECK(f.at("user_name") == "Jane \"JD\" Doe");
  CHECK(f.at("offer_name") == "Pro");
  CHECK(f.at("city") == "Z\xC3\xBCrich");
  CHECK(f.at("extra") == "kept");
}

TEST_CASE("Signup: a JSON body must be an object", "[signup][json]") {
  for (const char* body : {"[]", R"(["user_name"])", R"("Jane")", "42", "null", "true"}) {
    INFO(body);
    const Refusal r = refused(proof::core::parse_json(body));
    CHECK(r.reason == RejectReason::kMalformed);
    CHECK_THAT(r.message, Catch::Contains("object"));
  }
}

TEST_CASE("Signup: a non-string JSON value is refused and names the field", "[signup][json]") {
  for (const char* body : {R"({"user_name":42})", R"({"user_name":true})", R"({"user_name":["a"]})",
                           R"({"user_name":{"first":"a"}})"}) {
    INFO(body);
    const Refusal r = refused(proof::core::parse_json(body));
    CHECK(r.reason == RejectReason::kInvalidField);
    CHECK_THAT(r.message, Catch::Contains("user_name"));
  }
}

TEST_CASE("Signup: a JSON null means the field is absent, so it gets its default",
          "[signup][json]") {
  const Fields f = accepted(proof::core::parse_json(R"({"user_name":null,"offer_name":"Pro"})"));
  CHECK(f.count("user_name") == 0);
  CHECK(accepted(proof::core::validate(f)).user_name == proof::core::defaults::kUserName);
}

TEST_CASE("Signup: malformed JSON is refused", "[signup][json]") {
  for (const std::string& body : {""s, "{"s, R"({"user_name":"Jane")"s, R"({"user_name":"Jane",})"s,
                                  R"({user_name:"Jane"})"s, R"({"a":"b"} trailing)"s}) {
    INFO(body);
    CHECK(refused(proof::core::parse_json(body)).reason == RejectReason::kMalformed);
  }
}

TEST_CASE("Signup: invalid UTF-8 inside a JSON string is refused", "[signup][json]") {
  CHECK(std::holds_alternative<Refusal>(proof::core::parse_json("{\"user_name\":\"\xC0\xAF\"}")));
  CHECK(
      std::holds_alternative<Refusal>(proof::core::parse_json("{\"user_name\":\"\xED\xA0\x80\"}")));
  CHECK(std::holds_alternative<Refusal>(proof::core::parse_json("{\"user_name\":\"ab\xE2\x82\"}")));
}

// ---- validate ---------------------------------------------------------------------------

TEST_CASE("Signup: empty fields get the original's defaults", "[signup][validate]") {
  const Signup s = accepted(proof::core::validate(Fields{}));
  CHECK(s.user_name == "someone");
  CHECK(s.offer_name == "one of our partners");
  CHECK(s.img_path == "/img/default.svg");
  CHECK(s.city.empty());
  CHECK(s.url.empty());

  const Signup blank = accepted(proof::core::validate(
      Fields{{"user_name", ""}, {"offer_name", "   "}, {"img_path", " "}, {"city", " "}}));
  CHECK(blank.user_name == "someone");
  CHECK(blank.offer_name == "one of our partners");
  CHECK(blank.img_path == "/img/default.svg");
  CHECK(blank.city.empty());
}

TEST_CASE("Signup: an event is a signup unless it says kind=purchase", "[signup][validate][kind]") {
  CHECK(accepted(proof::core::validate(Fields{})).kind == proof::core::EventKind::kSignup);
  CHECK(accepted(proof::core::validate(Fields{{"kind", ""}})).kind ==
        proof::core::EventKind::kSignup);
  CHECK(accepted(proof::core::validate(Fields{{"kind", "signup"}})).kind ==
        proof::core::EventKind::kSignup);
  const Signup bought = accepted(proof::core::validate(
      Fields{{"kind", "purchase"}, {"user_name", "Jane"}, {"offer_name", "Mug"}}));
  CHECK(bought.kind == proof::core::EventKind::kPurchase);
  CHECK(bought.offer_name == "Mug");
  // Never a verified one: only a /hooks receiver sets the source.
  CHECK(bought.source.empty());
}

TEST_CASE("Signup: any other kind is refused with a sentence that names the two",
          "[signup][validate][kind]") {
  for (const char* kind : {"Purchase", "purchase ", " signup", "order", "refund", "signups", "0"}) {
    INFO(kind);
    const Refusal r = refused(proof::core::validate(Fields{{"kind", kind}}));
    CHECK(r.status == 400);
    CHECK(r.reason == RejectReason::kInvalidField);
    CHECK(r.message == "kind must be signup or purchase");
  }
}

TEST_CASE("Signup: a purchase without a product keeps none; a signup gets the original's",
          "[signup][validate][kind]") {
  for (const char* offer : {"", "  ", "\xE2\x80\x8B"}) {  // empty, blank, only a zero-width space
    INFO(offer);
    const Signup bought =
        accepted(proof::core::validate(Fields{{"kind", "purchase"}, {"offer_name", offer}}));
    CHECK(bought.offer_name.empty());
    CHECK(bought.user_name == "someone");  // the other defaults stay
    CHECK(bought.img_path == "/img/default.svg");
    const Signup joined =
        accepted(proof::core::validate(Fields{{"kind", "signup"}, {"offer_name", offer}}));
    CHECK(joined.offer_name == "one of our partners");
  }
  CHECK(accepted(proof::core::validate(Fields{{"kind", "purchase"}})).offer_name.empty());
}

TEST_CASE("Signup: kind names and their parse agree", "[signup][kind]") {
  using proof::core::EventKind;
  for (const EventKind kind : {EventKind::kSignup, EventKind::kPurchase}) {
    CHECK(proof::core::parse_kind(proof::core::kind_name(kind)) == kind);
  }
  CHECK(proof::core::kind_name(EventKind::kSignup) == "signup");
  CHECK(proof::core::kind_name(EventKind::kPurchase) == "purchase");
  CHECK_FALSE(proof::core::parse_kind(""));
  // Events stored before kinds: a verified source's was a purchase, the rest signups.
  CHECK(proof::core::stored_kind("", "stripe") == EventKind::kPurchase);
  CHECK(proof::core::stored_kind("", "") == EventKind::kSignup);
  CHECK(proof::core::stored_kind("signup", "stripe") == EventKind::kSignup);
  CHECK(proof::core::stored_kind("purchase", "") == EventKind::kPurchase);
}

TEST_CASE("Signup: values are trimmed of surrounding spaces", "[signup][validate]") {
  const Signup s = accepted(proof::core::validate(Fields{{"user_name", "  Jane Doe  "},
                                                         {"offer_name", " Pro plan"},
                                                         {"img_path", " /img/jane.png "},
                                                         {"city", "Lyon  "},
                                                         {"url", "  https://shop.example/pro  "}}));
  CHECK(s.user_name == "Jane Doe");
  CHECK(s.offer_name == "Pro plan");
  CHECK(s.img_path == "/img/jane.png");
  CHECK(s.city == "Lyon");
  CHECK(s.url == "https://shop.example/pro");
}

TEST_CASE("Signup: the 120-character limit counts code points", "[signup][validate]") {
  for (const char* field : {"user_name", "offer_name", "city"}) {
    INFO(field);
    for (const std::string& unit : {"a"s, "\xC3\xA9"s, "\xE2\x82\xAC"s, "\xF0\x9F\x8E\x89"s}) {
      INFO("unit bytes: " << unit.size());
      const Signup ok = accepted(proof::core::validate(Fields{{field, repeat(unit, 120)}}));
      CHECK(field_of(ok, field) == repeat(unit, 120));
      const Refusal r = refused(proof::core::validate(Fields{{field, repeat(unit, 121)}}));
      CHECK(r.reason == RejectReason::kInvalidField);
      CHECK_THAT(r.message, Catch::Contains(field) && Catch::Contains("120"));
    }
  }
  // Surrounding spaces do not count towards the limit.
  CHECK(std::holds_alternative<Signup>(
      proof::core::validate(Fields{{"user_name", "  " + repeat("a", 120) + "  "}})));
}

TEST_CASE("Signup: URLs may be 2048 characters, not more", "[signup][validate]") {
  for (const char* field : {"img_path", "url"}) {
    INFO(field);
    const std::string prefix = "https://cdn.example/";
    const std::string ok = prefix + repeat("a", 2048 - prefix.size());
    REQUIRE(ok.size() == 2048);
    CHECK(std::holds_alternative<Signup>(proof::core::validate(Fields{{field, ok}})));
    const Refusal r = refused(proof::core::validate(Fields{{field, ok + "a"}}));
    CHECK(r.reason == RejectReason::kInvalidField);
    CHECK_THAT(r.message, Catch::Contains(field));
  }
}

TEST_CASE("Signup: control characters in any field are refused", "[signup][validate]") {
  for (const char* field : {"user_name", "offer_name", "img_path", "city", "url"}) {
    for (const std::string& value :
         {"Jane\nDoe"s, "Jane\rid: 9"s, "a\0b"s, "\x1B[2J"s, "x\x7F"s, "x\xC2\x85y"s}) {
      INFO(field << " = " << value);
      const Refusal r = refused(proof::core::validate(Fields{{field, value}}));
      CHECK(r.reason == RejectReason::kInvalidField);
      CHECK_THAT(r.message, Catch::Contains(field));
    }
  }
}

TEST_CASE("Signup: invalid UTF-8 in any field is refused", "[signup][validate]") {
  for (const char* field : {"user_name", "offer_name", "img_path", "city", "url"}) {
    for (const std::string& value : {"\xC0\xAF"s, "Jos\xC3"s, "/img/\xFF.png"s, "\xED\xA0\x80"s}) {
      INFO(field);
      const Refusal r = refused(proof::core::validate(Fields{{field, value}}));
      CHECK(r.reason == RejectReason::kInvalidField);
      CHECK_THAT(r.message, Catch::Contains("UTF-8"));
    }
  }
}

TEST_CASE("Signup: accented names and NBSP are accepted unchanged", "[signup][validate]") {
  const Signup s = accepted(proof::core::validate(
      Fields{{"user_name", "Ren\xC3\xA9\xC2\xA0Z\xC3\xBC"}, {"city", "M\xC3\xBCnchen"}}));
  CHECK(s.user_name == "Ren\xC3\xA9\xC2\xA0Z\xC3\xBC");
  CHECK(s.city == "M\xC3\xBCnchen");
}

// Issue 32: "Eve\u202Egnp.exe" showed reversed on a shop's page. What is stripped here is
// stripped for POST /signup and every verified source alike: both call validate().
TEST_CASE("Signup: bidi controls and invisible characters are stripped from shown text",
          "[signup][validate]") {
  // Every bidi control (U+061C, U+200E-F, U+202A-E, U+2066-9) and invisible format
  // character (U+200B-F, U+2060-4, U+FEFF) that issue 32 names.
  std::vector<char32_t> hidden = {0x061C, 0xFEFF};
  for (char32_t cp = 0x200B; cp <= 0x200F; ++cp) hidden.push_back(cp);
  for (char32_t cp = 0x202A; cp <= 0x202E; ++cp) hidden.push_back(cp);
  for (char32_t cp = 0x2060; cp <= 0x2064; ++cp) hidden.push_back(cp);
  for (char32_t cp = 0x2066; cp <= 0x2069; ++cp) hidden.push_back(cp);
  for (const char* field : {"user_name", "offer_name", "city"}) {
    for (const char32_t cp : hidden) {
      const std::string h = utf8(cp);
      INFO(field << " with U+" << std::hex << static_cast<std::uint32_t>(cp));
      const Signup s = accepted(proof::core::validate(Fields{{field, fill("_Eve_gnp.exe_", h)}}));
      CHECK(field_of(s, field) == "Evegnp.exe");
    }
  }
  const Signup s =
      accepted(proof::core::validate(Fields{{"user_name", "Eve\xE2\x80\xAEgnp.exe"},
                                            {"offer_name", "Pro\xE2\x80\x8B plan"},
                                            {"city", "\xEF\xBB\xBFLyon\xE2\x81\xA0"}}));
  CHECK(s.user_name == "Evegnp.exe");
  CHECK(s.offer_name == "Pro plan");
  CHECK(s.city == "Lyon");
}

TEST_CASE("Signup: a text field left empty by stripping is an empty field", "[signup][validate]") {
  const Signup s = accepted(proof::core::validate(Fields{{"user_name", "\xE2\x80\xAE\xE2\x80\x8B"},
                                                         {"offer_name", "\xE3\x80\x80\xC2\xA0"},
                                                         {"city", "\xE2\x80\x8F \xE2\x80\x8F"}}));
  CHECK(s.user_name == "someone");
  CHECK(s.offer_name == "one of our partners");
  CHECK(s.city.empty());
}

TEST_CASE("Signup: text fields are trimmed of Unicode white space; URLs are left as given",
          "[signup][validate]") {
  const Signup s = accepted(proof::core::validate(Fields{
      {"user_name", "\xE3\x80\x80Jane Doe\xC2\xA0"}, {"city", "\xE2\x80\x83Leeds\xE2\x80\xAF"}}));
  CHECK(s.user_name == "Jane Doe");
  CHECK(s.city == "Leeds");
  // A URL is not shown as text: a zero-width space in its path stays (the browser
  // percent-encodes it), so the link leads where it was meant to.
  const Signup u = accepted(proof::core::validate(Fields{{"url", "/p/a\xE2\x80\x8B"}}));
  CHECK(u.url == "/p/a\xE2\x80\x8B");
}

TEST_CASE("Signup: the 120-character limit counts what stripping leaves", "[signup][validate]") {
  const std::string zwsp = "\xE2\x80\x8B";
  CHECK(accepted(proof::core::validate(Fields{{"user_name", repeat("a" + zwsp, 120)}})).user_name ==
        repeat("a", 120));
  CHECK(refused(proof::core::validate(Fields{{"user_name", repeat("a" + zwsp, 121)}})).reason ==
        RejectReason::kInvalidField);
}

TEST_CASE("Signup: unsafe img_path or url is refused", "[signup][validate]") {
  for (const char* field : {"img_path", "url"}) {
    for (const char* value : {"javascript:alert(1)", "//evil.example/x", "data:image/svg+xml,x"}) {
      INFO(field << " = " << value);
      CHECK(refused(proof::core::validate(Fields{{field, value}})).reason ==
            RejectReason::kInvalidField);
    }
    CHECK(std::holds_alternative<Signup>(proof::core::validate(Fields{{field, "/img/a.png"}})));
  }
}

// ---- is_safe_url ------------------------------------------------------------------------

TEST_CASE("Signup: http(s) URLs in any case and site paths are safe", "[signup][url]") {
  for (const char* url :
       {"http://shop.example", "https://shop.example/a?b=c#d", "HTTP://shop.example/",
        "HtTpS://Shop.Example/x", "/", "/x", "/img/a.png?v=2", "/a//b"}) {
    INFO(url);
    CHECK(proof::core::is_safe_url(url));
  }
}

TEST_CASE("Signup: script, data and protocol-relative URLs are unsafe", "[signup][url]") {
  for (const char* url :
       {"javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)", "VBScript:x",
        "data:text/html,<script>alert(1)</script>", "//evil.example/x", "/\\evil", "\\\\evil",
        "/x\\y", "http://", "https://", "http:///x", "https:evil.example", "ftp://x.example",
        "file:///etc/passwd", "x", "img/a.png", ""}) {
    INFO(url);
    CHECK_FALSE(proof::core::is_safe_url(url));
  }
}

TEST_CASE("Signup: URLs with spaces, tabs, newlines or controls are unsafe", "[signup][url]") {
  for (const std::string& url :
       {" /x"s, "/x "s, "/a b"s, "\t/x"s, "/x\ty"s, "/x\ny"s, "/x\r"s, "java\tscript:alert(1)"s,
        "https://a.example/\x7F"s, "/\0x"s, "https://a.example/\x01"s}) {
    INFO(url);
    CHECK_FALSE(proof::core::is_safe_url(url));
  }
}
