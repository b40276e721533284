// server_client.h and stats.h: what the operator commands do without a server.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/server_client.h"
#include "app/stats.h"

TEST_CASE("Operator commands: --url may name the server, a path under it, or an endpoint",
          "[operator]") {
  using proof::app::split_server_url;
  CHECK(split_server_url("http://127.0.0.1:6009").origin == "http://127.0.0.1:6009");
  CHECK(split_server_url("http://127.0.0.1:6009").path_prefix.empty());
  CHECK(split_server_url("http://127.0.0.1:6009/").path_prefix.empty());
  CHECK(split_server_url("https://shop.example/proof/").path_prefix == "/proof");
  // The endpoint a user knows from the README is not doubled: /signup, not /signup/signup.
  CHECK(split_server_url("http://127.0.0.1:6009/signup").path_prefix.empty());
  CHECK(split_server_url("https://shop.example/proof/signup/").path_prefix == "/proof");
  CHECK(split_server_url("https://shop.example/proof/events?x=1").path_prefix == "/proof");
  CHECK(split_server_url("https://shop.example/proof/events?x=1").origin == "https://shop.example");
}

TEST_CASE("Operator commands: failures are sentences, not library enum names", "[operator]") {
  for (const auto error : {httplib::Error::Connection, httplib::Error::SSLConnection,
                           httplib::Error::SSLServerVerification, httplib::Error::Read,
                           httplib::Error::SSLLoadingCerts, httplib::Error::ConnectionTimeout}) {
    const std::string text = proof::app::describe_failure(error);
    INFO(text);
    CHECK_THAT(text, !Catch::Contains("SSL") && !Catch::Contains("Error"));
  }
  CHECK_THAT(proof::app::describe_failure(httplib::Error::SSLServerVerification),
             Catch::Contains("--ca-cert"));
}

TEST_CASE("Operator commands: stats as a table with CTR and totals", "[operator][stats]") {
  const auto stats = nlohmann::json::parse(R"({"days": [
      {"date": "2026-11-27", "published": 3, "purchases": 2, "shown": 40, "clicks": 2, "peak_pages": 7},
      {"date": "2026-11-28", "published": 1, "purchases": 1, "shown": 0, "clicks": 0, "peak_pages": 0}]})");
  const std::string table = proof::app::format_stats_table(stats);
  INFO(table);
  CHECK(table ==
        "date        published  purchases  shown  clicks   CTR  peak pages\n"
        "2026-11-27          3          2     40       2  5.0%           7\n"
        "2026-11-28          1          1      0       0     -           0\n"
        "total               4          3     40       2  5.0%           7\n");
}

TEST_CASE("Operator commands: stats from a server older than kinds show no purchases",
          "[operator][stats][kind]") {
  const auto stats = nlohmann::json::parse(R"({"days": [
      {"date": "2026-11-27", "published": 3, "shown": 40, "clicks": 2, "peak_pages": 7}]})");
  const std::string table = proof::app::format_stats_table(stats);
  INFO(table);
  CHECK(table ==
        "date        published  purchases  shown  clicks   CTR  peak pages\n"
        "2026-11-27          3          -     40       2  5.0%           7\n"
        "total               3          -     40       2  5.0%           7\n");
}

TEST_CASE("Operator commands: a stats answer of the wrong shape is an error", "[operator][stats]") {
  for (const char* body : {R"({})", R"({"days": 3})", R"({"days": [{"published": 1}]})",
                           R"({"days": [{"date": "d", "published": -1, "shown": 0, "clicks": 0,
                                        "peak_pages": 0}]})",
                           R"({"days": [{"date": "d", "published": 1, "purchases": "1",
                                        "shown": 0, "clicks": 0, "peak_pages": 0}]})"}) {
    INFO(body);
    CHECK_THROWS_AS(proof::app::format_stats_table(nlohmann::json::parse(body)),
                    proof::app::StatsFormatError);
  }
}

TEST_CASE("Operator commands: retries wait as the server says, else 1, 2, 4 s, at most 10",
          "[operator][send]") {
  using proof::app::retry_delay;
  using std::chrono::seconds;
  CHECK(retry_delay(0, "") == seconds(1));
  CHECK(retry_delay(1, "") == seconds(2));
  CHECK(retry_delay(2, "") == seconds(4));
  CHECK(retry_delay(9, "") == seconds(10));
  CHECK(retry_delay(0, "3") == seconds(3));
  CHECK(retry_delay(0, "0") == seconds(1));
  CHECK(retry_delay(0, "3600") == seconds(10));
  CHECK(retry_delay(1, "Wed, 21 Oct 2015 07:28:00 GMT") == seconds(2));  // a date: our own
}

TEST_CASE("Operator commands: each send has an Idempotency-Key of its own", "[operator][send]") {
  const std::string a = proof::app::new_idempotency_key();
  const std::string b = proof::app::new_idempotency_key();
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
}
