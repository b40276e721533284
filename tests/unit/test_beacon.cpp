// beacon.h: what POST /beacon accepts from the widget, and every way a body is refused.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include "catch_strings.h"

#include "core/beacon.h"

using proof::core::Beacon;
using proof::core::parse_beacon;
using proof::core::Refusal;
using proof::core::RejectReason;

namespace {

Beacon accepted(const std::string& body) {
  auto parsed = parse_beacon(body);
  INFO(body);
  if (const auto* r = std::get_if<Refusal>(&parsed)) FAIL(r->message);
  return std::get<Beacon>(parsed);
}

std::string refused(const std::string& body) {
  auto parsed = parse_beacon(body);
  INFO(body);
  REQUIRE(std::holds_alternative<Refusal>(parsed));
  CHECK(std::get<Refusal>(parsed).reason == RejectReason::kMalformed);
  return std::get<Refusal>(parsed).message;
}

}  // namespace

TEST_CASE("Beacon: an event card shown or clicked", "[beacon]") {
  Beacon b = accepted(R"({"id": 1795819905973181, "kind": "shown"})");
  CHECK(b.kind == Beacon::Kind::kShown);
  REQUIRE(b.id.has_value());
  CHECK(*b.id == 1795819905973181u);
  CHECK(b.card.empty());
  b = accepted(R"({"kind":"click","id":42})");
  CHECK(b.kind == Beacon::Kind::kClick);
  CHECK(*b.id == 42u);
  // The id as EventSource hands it to the page: a string of digits.
  CHECK(*accepted(R"({"id": "1795819905973181", "kind": "shown"})").id == 1795819905973181u);
}

TEST_CASE("Beacon: presence and summary cards report by name", "[beacon]") {
  Beacon b = accepted(R"({"card": "presence", "kind": "shown"})");
  CHECK_FALSE(b.id.has_value());
  CHECK(b.card == "presence");
  b = accepted(R"({"card": "summary", "kind": "click"})");
  CHECK(b.card == "summary");
  CHECK(b.kind == Beacon::Kind::kClick);
}

TEST_CASE("Beacon: keys it does not know are ignored", "[beacon]") {
  CHECK(*accepted(R"({"id": 7, "kind": "shown", "v": 2})").id == 7u);
}

TEST_CASE("Beacon: malformed bodies are refused with a reason", "[beacon]") {
  CHECK(refused("") == "the body is not JSON");
  CHECK(refused("{") == "the body is not JSON");
  CHECK(refused("id=1&kind=shown") == "the body is not JSON");
  CHECK(refused("[1]") == "the body must be a JSON object");
  CHECK(refused("\"shown\"") == "the body must be a JSON object");
  CHECK(refused("\x7b\"id\":1,\"kind\":\"sh\xffown\"}") == "the body is not JSON");
}

TEST_CASE("Beacon: the kind must be shown, click, visit or goal", "[beacon]") {
  refused(R"({"id": 1})");
  refused(R"({"id": 1, "kind": "hover"})");
  refused(R"({"id": 1, "kind": "SHOWN"})");
  refused(R"({"id": 1, "kind": 1})");
  refused(R"({"id": 1, "kind": null})");
}

TEST_CASE("Beacon: exactly one of id and card", "[beacon]") {
  CHECK(refused(R"({"kind": "shown"})").find("either") != std::string::npos);
  CHECK(refused(R"({"id": 1, "card": "presence", "kind": "shown"})").find("not both") !=
        std::string::npos);
}

TEST_CASE("Beacon: an id is a positive whole number, a card one of two names", "[beacon]") {
  for (const char* body : {R"({"id": 0, "kind": "shown"})", R"({"id": -5, "kind": "shown"})",
                           R"({"id": 1.5, "kind": "shown"})", R"({"id": "12a", "kind": "shown"})",
                           R"({"id": "", "kind": "shown"})", R"({"id": true, "kind": "shown"})",
                           R"({"id": [1], "kind": "shown"})",
                           R"({"id": "99999999999999999999999", "kind": "shown"})"}) {
    refused(body);
  }
  for (const char* body : {R"({"card": "signup", "kind": "shown"})",
                           R"({"card": "", "kind": "shown"})", R"({"card": 1, "kind": "shown"})"}) {
    refused(body);
  }
}

TEST_CASE("Beacon: the experiment's page view and goal, about the page and not a card",
          "[beacon]") {
  CHECK(accepted(R"({"kind": "visit"})").kind == Beacon::Kind::kVisit);
  const Beacon goal = accepted(R"({"kind": "goal", "goal": "purchase"})");
  CHECK(goal.kind == Beacon::Kind::kGoal);
  CHECK(goal.goal == "purchase");
  CHECK_FALSE(goal.id.has_value());
  // A goal names itself as a channel would; a visit or goal is about no card.
  CHECK(refused(R"({"kind": "goal"})").find("\"goal\" must name the goal") != std::string::npos);
  CHECK(refused(R"({"kind": "goal", "goal": "Order Done"})").find("\"goal\"") != std::string::npos);
  CHECK(refused(R"({"kind": "goal", "goal": 7})").find("\"goal\"") != std::string::npos);
  CHECK(refused(R"({"kind": "visit", "id": 1})").find("no \"id\" or \"card\"") !=
        std::string::npos);
  CHECK(refused(R"({"kind": "goal", "goal": "x", "card": "summary"})")
            .find("no \"id\" or \"card\"") != std::string::npos);
  // Any other kind is refused, and says which there are.
  CHECK(refused(R"({"kind": "conversion"})").find("\"visit\" or \"goal\"") != std::string::npos);
}
