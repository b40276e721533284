// docs/openapi.yaml describes every route proof serves: each of the route table's method
// and path (a {parameter} of any name), HEAD where the route answers it, OPTIONS where it
// answers preflights. (CI lints the file itself with @redocly/cli.)
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "http/routes.h"

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// "/events/{id}" and "/events/{source}" alike: parameters by position, not name.
std::string shape(const std::string& path) {
  return std::regex_replace(path, std::regex(R"(\{[^}/]*\})"), "{}");
}

/// The methods of `path` in the document: the keys indented one level under it.
std::set<std::string> documented(const std::string& doc, const std::string& path) {
  std::set<std::string> methods;
  std::istringstream lines(doc);
  std::string line;
  bool inside = false;
  const std::regex path_line(R"(^  (/\S*):\s*$)");
  const std::regex method_line(R"(^    (get|put|post|delete|options|head|patch|trace):)");
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, m, path_line)) {
      inside = shape(m[1]) == shape(path);
    } else if (inside && std::regex_search(line, m, method_line)) {
      methods.insert(m[1]);
    } else if (!line.empty() && line[0] != ' ') {
      inside = false;  // another top-level key (components:, tags:...)
    }
  }
  return methods;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

TEST_CASE("OpenAPI: every route of the route table is in docs/openapi.yaml", "[openapi]") {
  const std::string doc = read(std::string(PROOF_SOURCE_DIR) + "/docs/openapi.yaml");
  REQUIRE(doc.find("openapi: 3.1") != std::string::npos);
  for (const proof::http::Route& route : proof::http::routes()) {
    const std::string path(route.path);
    INFO(route.method << " " << path);
    const auto methods = documented(doc, path);
    CHECK(methods.contains(lower(route.method)));
    if (route.head) CHECK(methods.contains("head"));
    if (route.cors != proof::http::Cors::none) CHECK(methods.contains("options"));
  }
}

TEST_CASE("OpenAPI: the reader finds methods under their own path only", "[openapi]") {
  const std::string doc =
      "paths:\n  /a:\n    get:\n      x: 1\n  /b/{name}:\n    post:\n      y: 2\n"
      "components:\n  schemas:\n    get:\n";
  CHECK(documented(doc, "/a") == std::set<std::string>{"get"});
  CHECK(documented(doc, "/b/{id}") == std::set<std::string>{"post"});
  CHECK(documented(doc, "/c").empty());
}
