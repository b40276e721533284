// The holdout experiment below HTTP (core/experiment.h, core/local_experiment.h,
// store/sqlite_experiment_store.h): which arm a visitor is in, and that it stays so across a
// restart; the visitor-day count; a new percentage starting a new experiment while the old
// one's figures stay readable; the day's bound; and that nothing about a visitor is left in
// --data-dir once the day is over. Redis: test_experiment_redis.cpp.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/encoding.h"
#include "core/experiment.h"
#include "core/local_experiment.h"
#include "store/sqlite_experiment_store.h"
#include "temp_dir.h"

using proof::core::Arm;
using proof::core::LocalExperiment;
using proof::core::Recorded;
using proof::core::Visit;
using namespace std::chrono_literals;

namespace {

/// 2027-01-15T10:00:00Z: mid-morning, UTC.
const proof::core::Experiment::Clock::time_point kMorning =
    proof::core::Experiment::Clock::time_point(1'800'007'200s);
const proof::core::Experiment::Clock::time_point kNextDay = kMorning + 24h;

struct Visitor {
  std::string address;
  std::string user_agent;
};

/// `n` distinct visitors: addresses across 10.0.0.0/8 and a few browser builds.
std::vector<Visitor> visitors(std::size_t n, unsigned seed = 7) {
  std::mt19937 random(seed);
  std::vector<Visitor> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({"10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) +
                       "." + std::to_string(i & 255),
                   "Mozilla/5.0 (build " + std::to_string(random() % 50) + ")"});
  }
  return out;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Every byte --data-dir holds for the experiment: the database, its log and shared memory.
std::string experiment_files(const std::filesystem::path& db) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::filesystem::path path = db.string() + suffix;
    if (std::filesystem::exists(path)) all += file_bytes(path);
  }
  return all;
}

/// The day's salt as experiment.db holds it (read past the store, as someone with the file would).
std::string stored_salt(const std::filesystem::path& db) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(handle, "SELECT salt FROM visitor_day", -1, &q, nullptr);
  std::string salt;
  if (q && sqlite3_step(q) == SQLITE_ROW) {
    salt.assign(static_cast<const char*>(sqlite3_column_blob(q, 0)),
                static_cast<std::size_t>(sqlite3_column_bytes(q, 0)));
  }
  sqlite3_finalize(q);
  sqlite3_close(handle);
  return salt;
}

std::string big_endian(std::uint64_t n) {
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (56 - 8 * i));
  return out;
}

}  // namespace

TEST_CASE("Experiment: the arm is the HMAC's first 8 bytes, big-endian, mod 10,000",
          "[experiment]") {
  // Computed with Python's hmac module: bucket 1864 (little-endian would read 1959), so
  // the visitor is held out from 19 % on and sees cards at 18 %.
  const std::string secret = "experiment-secret-for-the-test-1";
  const std::string address = "203.0.113.7";
  const std::string agent = "Mozilla/5.0 (X11; Linux x86_64)";
  CHECK(
      proof::core::to_hex(proof::core::hmac_sha256(secret, address + "\n" + agent)).substr(0, 16) ==
      "877d78ec0d9958b8");
  CHECK(proof::core::assign_arm(secret, address, agent, 18) == Arm::kShown);
  CHECK(proof::core::assign_arm(secret, address, agent, 19) == Arm::kHoldout);
  CHECK(proof::core::assign_arm(secret, address, agent, 0) == Arm::kShown);
  // Bucket 9610: shown at every percentage --holdout allows.
  CHECK(proof::core::assign_arm(secret, "2001:db8::1", "curl/8.0",
                                proof::core::kMaxHoldoutPercent) == Arm::kShown);
  // The separator keeps address and agent apart: moving a character across changes the input.
  CHECK(proof::core::visitor_key("salt", "10.0.0.1", "1x") !=
        proof::core::visitor_key("salt", "10.0.0.11", "x"));
  CHECK(std::string(proof::core::arm_name(Arm::kHoldout)) == "holdout");
  CHECK(std::string(proof::core::arm_name(Arm::kShown)) == "shown");
}

TEST_CASE("Experiment: the holdout share is the percentage, within binomial noise",
          "[experiment]") {
  const auto crowd = visitors(20000, 11);
  for (const int percent : {1, 10, 50}) {
    const std::string secret = proof::core::random_bytes(proof::core::kExperimentSecretBytes);
    std::size_t held_out = 0;
    for (const auto& v : crowd) {
      if (proof::core::assign_arm(secret, v.address, v.user_agent, percent) == Arm::kHoldout) {
        ++held_out;
      }
    }
    const double expected = 20000.0 * percent / 100;
    const double sd = std::sqrt(expected * (1 - percent / 100.0));
    INFO(percent << " %: " << held_out << " held out of 20,000");
    CHECK(std::abs(static_cast<double>(held_out) - expected) < 5 * sd);
  }
}

TEST_CASE("Experiment: secrets are random, 32 bytes", "[experiment]") {
  const std::string a = proof::core::random_bytes(proof::core::kExperimentSecretBytes);
  CHECK(a.size() == 32);
  CHECK(a != proof::core::random_bytes(proof::core::kExperimentSecretBytes));
}

TEST_CASE("Experiment: a visitor-day counts once, its goal once, each in the visitor's arm",
          "[experiment]") {
  LocalExperiment experiment(nullptr, kMorning);
  CHECK_FALSE(experiment.arm_of("10.0.0.1", "ua").has_value());  // none runs yet
  CHECK(experiment.record("10.0.0.1", "ua", Visit::kView, kMorning) == Recorded::kOff);
  experiment.start_or_continue(50, kMorning);

  // Find one visitor of each arm.
  const auto crowd = visitors(100);
  const Visitor* shown = nullptr;
  const Visitor* held = nullptr;
  for (const auto& v : crowd) {
    const auto arm = experiment.arm_of(v.address, v.user_agent);
    REQUIRE(arm.has_value());
    (*arm == Arm::kShown ? shown : held) = &v;
  }
  REQUIRE(shown);
  REQUIRE(held);

  CHECK(experiment.record(shown->address, shown->user_agent, Visit::kView, kMorning) ==
        Recorded::kCounted);
  CHECK(experiment.record(shown->address, shown->user_agent, Visit::kView, kMorning + 1h) ==
        Recorded::kRepeat);
  CHECK(experiment.record(shown->address, shown->user_agent, Visit::kGoal, kMorning + 2h) ==
        Recorded::kCounted);
  CHECK(experiment.record(shown->address, shown->user_agent, Visit::kGoal, kMorning + 3h) ==
        Recorded::kRepeat);
  // A goal beacon from a visitor not yet seen today is a visitor and a conversion.
  CHECK(experiment.record(held->address, held->user_agent, Visit::kGoal, kMorning) ==
        Recorded::kCounted);
  // Another browser at the same address is another visitor.
  CHECK(experiment.record(shown->address, shown->user_agent + " other", Visit::kView, kMorning) ==
        Recorded::kCounted);

  auto report = experiment.report(kMorning);
  REQUIRE(report.current);
  const auto other_arm = experiment.arm_of(shown->address, shown->user_agent + " other");
  const std::uint64_t other_shown = other_arm == Arm::kShown ? 1 : 0;
  CHECK(report.current->shown == proof::core::ArmCounts{1 + other_shown, 1});
  CHECK(report.current->holdout == proof::core::ArmCounts{2 - other_shown, 1});
  CHECK(report.current->holdout_percent == 50);
  CHECK(report.current->started == kMorning);
  CHECK_FALSE(report.previous);

  // The next day, the same visitor is a new visitor-day, and converts again.
  CHECK(experiment.record(shown->address, shown->user_agent, Visit::kView, kNextDay) ==
        Recorded::kCounted);
  CHECK(experiment.record(shown->address, shown->user_agent, Visit::kGoal, kNextDay) ==
        Recorded::kCounted);
  report = experiment.report(kNextDay);
  CHECK(report.current->shown == proof::core::ArmCounts{2 + other_shown, 2});
}

TEST_CASE("Experiment: a new percentage starts afresh and keeps the old one's figures",
          "[experiment]") {
  LocalExperiment experiment(nullptr, kMorning);
  experiment.start_or_continue(10, kMorning);
  const auto crowd = visitors(2000);
  std::vector<Arm> before;
  for (const auto& v : crowd) {
    before.push_back(*experiment.arm_of(v.address, v.user_agent));
    experiment.record(v.address, v.user_agent, Visit::kView, kMorning);
  }
  // The same percentage (a restart, a reload) continues: same arms, same counts.
  experiment.start_or_continue(10, kMorning + 1h);
  std::size_t same = 0;
  for (std::size_t i = 0; i < crowd.size(); ++i) {
    same += *experiment.arm_of(crowd[i].address, crowd[i].user_agent) == before[i] ? 1 : 0;
  }
  CHECK(same == crowd.size());
  CHECK(experiment.report(kMorning + 1h).current->shown.visitors +
            experiment.report(kMorning + 1h).current->holdout.visitors ==
        2000);

  // Another percentage: a new secret (arms drawn again), counts from zero, the old kept.
  experiment.start_or_continue(20, kMorning + 2h);
  std::size_t held_before = 0;
  std::size_t held_both = 0;
  for (std::size_t i = 0; i < crowd.size(); ++i) {
    const bool held = *experiment.arm_of(crowd[i].address, crowd[i].user_agent) == Arm::kHoldout;
    held_before += before[i] == Arm::kHoldout ? 1 : 0;
    held_both += held && before[i] == Arm::kHoldout ? 1 : 0;
  }
  // With the old secret kept, every one held out at 10 % would be held out at 20 %.
  CHECK(held_both < held_before);
  auto report = experiment.report(kMorning + 2h);
  REQUIRE(report.current);
  CHECK(report.current->holdout_percent == 20);
  CHECK(report.current->shown.visitors + report.current->holdout.visitors == 0);
  REQUIRE(report.previous);
  CHECK(report.previous->holdout_percent == 10);
  CHECK(report.previous->ended == kMorning + 2h);
  CHECK(report.previous->shown.visitors + report.previous->holdout.visitors == 2000);
  // A visitor counted today under the old experiment is counted again under the new one.
  CHECK(experiment.record(crowd[0].address, crowd[0].user_agent, Visit::kView, kMorning + 3h) ==
        Recorded::kCounted);

  // 0 turns it off: no arm, nothing counted, the last figures still readable.
  experiment.start_or_continue(0, kMorning + 4h);
  CHECK_FALSE(experiment.arm_of(crowd[0].address, crowd[0].user_agent));
  CHECK(experiment.record(crowd[1].address, crowd[1].user_agent, Visit::kGoal, kMorning + 4h) ==
        Recorded::kOff);
  report = experiment.report(kMorning + 4h);
  CHECK_FALSE(report.current);
  REQUIRE(report.previous);
  CHECK(report.previous->holdout_percent == 20);
  CHECK(report.previous->shown.visitors + report.previous->holdout.visitors == 1);
  experiment.start_or_continue(0, kMorning + 5h);  // still off: the figures stay
  CHECK(experiment.report(kMorning + 5h).previous->holdout_percent == 20);
}

TEST_CASE("Experiment: a flood of distinct visitors stops at the day's bound", "[experiment]") {
  LocalExperiment experiment(nullptr, kMorning, 100);
  experiment.start_or_continue(50, kMorning);
  const auto crowd = visitors(150);
  std::size_t counted = 0;
  std::size_t full = 0;
  for (const auto& v : crowd) {
    const Recorded r = experiment.record(v.address, v.user_agent, Visit::kView, kMorning);
    counted += r == Recorded::kCounted ? 1 : 0;
    full += r == Recorded::kFull ? 1 : 0;
  }
  CHECK(counted == 100);
  CHECK(full == 50);
  CHECK(experiment.visitors_not_counted() == 50);
  // Those counted already still convert; the next day has room again.
  CHECK(experiment.record(crowd[0].address, crowd[0].user_agent, Visit::kGoal, kMorning) ==
        Recorded::kCounted);
  CHECK(experiment.record(crowd[149].address, crowd[149].user_agent, Visit::kView, kNextDay) ==
        Recorded::kCounted);
}

TEST_CASE("Experiment: --data-dir keeps the secret, the counts and the day's visitors",
          "[experiment]") {
  proof::test::TempDir dir("experiment");
  const auto crowd = visitors(500);
  std::vector<Arm> arms;
  {
    proof::store::SqliteExperimentStore store(dir.path);
    LocalExperiment experiment(&store, kMorning);
    experiment.start_or_continue(10, kMorning);
    for (const auto& v : crowd) {
      arms.push_back(*experiment.arm_of(v.address, v.user_agent));
      experiment.record(v.address, v.user_agent, Visit::kView, kMorning);
    }
    experiment.record(crowd[0].address, crowd[0].user_agent, Visit::kGoal, kMorning);
  }
  // A restart the same day: nobody changes arm, and nobody counts twice.
  {
    proof::store::SqliteExperimentStore store(dir.path);
    LocalExperiment experiment(&store, kMorning + 2h);
    experiment.start_or_continue(10, kMorning + 2h);
    for (std::size_t i = 0; i < crowd.size(); ++i) {
      REQUIRE(experiment.arm_of(crowd[i].address, crowd[i].user_agent) == arms[i]);
      CHECK(experiment.record(crowd[i].address, crowd[i].user_agent, Visit::kView, kMorning + 2h) ==
            Recorded::kRepeat);
    }
    CHECK(experiment.record(crowd[0].address, crowd[0].user_agent, Visit::kGoal, kMorning + 2h) ==
          Recorded::kRepeat);
    CHECK(experiment.record(crowd[1].address, crowd[1].user_agent, Visit::kGoal, kMorning + 2h) ==
          Recorded::kCounted);
    const auto report = experiment.report(kMorning + 2h);
    REQUIRE(report.current);
    CHECK(report.current->started == kMorning);
    CHECK(report.current->shown.visitors + report.current->holdout.visitors == 500);
    CHECK(report.current->shown.conversions + report.current->holdout.conversions == 2);
  }
  // A restart the next day: yesterday's visitors are forgotten, its counts kept.
  {
    proof::store::SqliteExperimentStore store(dir.path);
    LocalExperiment experiment(&store, kNextDay);
    experiment.start_or_continue(10, kNextDay);
    CHECK(experiment.record(crowd[0].address, crowd[0].user_agent, Visit::kView, kNextDay) ==
          Recorded::kCounted);
    const auto report = experiment.report(kNextDay);
    CHECK(report.current->shown.visitors + report.current->holdout.visitors == 501);
  }
  // Another percentage after a restart: the old experiment's figures are kept on disk too.
  {
    proof::store::SqliteExperimentStore store(dir.path);
    LocalExperiment experiment(&store, kNextDay + 1h);
    experiment.start_or_continue(0, kNextDay + 1h);
  }
  proof::store::SqliteExperimentStore store(dir.path);
  LocalExperiment experiment(&store, kNextDay + 2h);
  const auto report = experiment.report(kNextDay + 2h);
  CHECK_FALSE(report.current);
  REQUIRE(report.previous);
  CHECK(report.previous->holdout_percent == 10);
  CHECK(report.previous->started == kMorning);
  CHECK(report.previous->ended == kNextDay + 1h);
  CHECK(report.previous->shown.visitors + report.previous->holdout.visitors == 501);
  CHECK(report.previous->shown.conversions + report.previous->holdout.conversions == 2);
}

TEST_CASE("Experiment: nothing about a visitor is left in --data-dir after the day",
          "[experiment]") {
  proof::test::TempDir dir("experiment-privacy");
  // Enough visitors for the keys to fill several pages of the file.
  const auto crowd = visitors(3000);
  proof::store::SqliteExperimentStore store(dir.path);
  LocalExperiment experiment(&store, kMorning);
  experiment.start_or_continue(10, kMorning);
  for (const auto& v : crowd) experiment.record(v.address, v.user_agent, Visit::kGoal, kMorning);

  // What could identify a visitor: the address, the browser, their plain hashes (raw and
  // hex), and the day's salt with the keys made from it.
  const std::string salt = stored_salt(store.path());
  REQUIRE(salt.size() == proof::core::kExperimentSecretBytes);
  std::vector<std::string> traces{salt};
  for (std::size_t i = 0; i < crowd.size(); i += 10) {  // a sample: the scan is quadratic
    const Visitor& v = crowd[i];
    const std::string both = v.address + "\n" + v.user_agent;
    for (const std::string& text : {v.address, both}) {
      traces.push_back(text);
      traces.push_back(proof::core::sha256(text));
      traces.push_back(proof::core::to_hex(proof::core::sha256(text)));
    }
    traces.push_back(big_endian(proof::core::visitor_key(salt, v.address, v.user_agent)));
  }
  const auto found = [&](const std::string& bytes) {
    std::size_t n = 0;
    for (const auto& trace : traces) n += bytes.find(trace) != std::string::npos ? 1 : 0;
    return n;
  };
  // During the day the salt and keys are there (so the scan does find what is there)...
  CHECK(found(experiment_files(store.path())) > 0);

  // ... and the day over, none of it is, in the file, its log or its shared memory.
  experiment.maintain(kNextDay);
  CHECK(found(experiment_files(store.path())) == 0);
  // The counts are what is left.
  const auto report = experiment.report(kNextDay);
  CHECK(report.current->shown.conversions + report.current->holdout.conversions == 3000);
}

TEST_CASE("Experiment: a salt found stale at start is deleted there and then", "[experiment]") {
  proof::test::TempDir dir("experiment-stale");
  std::string salt;
  {
    proof::store::SqliteExperimentStore store(dir.path);
    LocalExperiment experiment(&store, kMorning);
    experiment.start_or_continue(10, kMorning);
    experiment.record("10.0.0.1", "ua", Visit::kView, kMorning);
    salt = stored_salt(store.path());
    REQUIRE_FALSE(salt.empty());
  }
  proof::store::SqliteExperimentStore store(dir.path);
  LocalExperiment experiment(&store, kNextDay + 3h);  // down over midnight
  CHECK(stored_salt(store.path()).empty());
  CHECK(experiment_files(store.path()).find(salt) == std::string::npos);
}

TEST_CASE("Experiment: the JSON GET /stats shows", "[experiment]") {
  CHECK(proof::core::experiment_json({}).is_null());
  proof::core::ExperimentSummary running{10, kMorning, std::nullopt, {9120, 301}, {1013, 27}};
  nlohmann::json body = proof::core::experiment_json({running, std::nullopt});
  CHECK(body["holdout_percent"] == 10);
  CHECK(body["started"] == "2027-01-15T10:00:00Z");
  CHECK(body["arms"]["shown"]["visitors"] == 9120);
  CHECK(body["arms"]["holdout"]["conversions"] == 27);
  CHECK(body["difference"]["estimate"].get<double>() == Approx(0.0063508815));
  CHECK(body["lift"]["low"].get<double>() == Approx(-0.1602427218));
  CHECK(body["visitors_needed"] == 333757);
  CHECK_FALSE(body.contains("ended"));
  CHECK_FALSE(body.contains("previous"));

  // Too early for anything: nulls, not zeros.
  proof::core::ExperimentSummary empty{10, kMorning, std::nullopt, {}, {}};
  body = proof::core::experiment_json({empty, std::nullopt});
  CHECK(body["difference"].is_null());
  CHECK(body["lift"].is_null());
  CHECK(body["visitors_needed"].is_null());

  proof::core::ExperimentSummary finished = running;
  finished.ended = kNextDay;
  body = proof::core::experiment_json({empty, finished});
  CHECK(body["previous"]["ended"] == "2027-01-16T10:00:00Z");
  CHECK(body["previous"]["arms"]["shown"]["visitors"] == 9120);
  body = proof::core::experiment_json({std::nullopt, finished});
  CHECK(body["ended"] == "2027-01-16T10:00:00Z");
  CHECK(body["holdout_percent"] == 10);
}
