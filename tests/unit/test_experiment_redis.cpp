// store/redis_experiment.h against a real redis-server that the test starts (Debian's
// redis-server, on a Unix socket in a temporary directory): two instances assign and count
// alike, a new percentage on one reaches the other, and nothing that tells visitors apart
// is kept in Redis without an expiry within the day. Hidden from the plain unit run: ctest
// runs these as "unit:experiment in Redis", which reports skipped (77) without redis-server.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "ci.h"
#include "core/encoding.h"
#include "core/experiment.h"
#include "core/utc.h"
#include "store/redis_experiment.h"
#include "temp_dir.h"

extern char** environ;

using proof::core::Arm;
using proof::core::Recorded;
using proof::core::Visit;
using proof::store::RedisExperiment;
using namespace std::chrono_literals;

namespace {

/// ctest's SKIP_RETURN_CODE for "unit:experiment in Redis".
constexpr int kSkip = 77;

std::filesystem::path find_redis_server() {
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): before threads
  std::string dirs = path ? path : "/usr/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(start, end - start)) / "redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

/// A private redis-server on a Unix socket, stopped at the end of the test.
class RedisServer {
 public:
  RedisServer() : dir_("experiment-redis") {
    const std::filesystem::path binary = find_redis_server();
    if (binary.empty()) {
      const bool in_ci = proof::test::in_ci();
      std::cout << (in_ci ? "FAIL" : "skipped")
                << ": redis-server is not installed (scripts/install-deps.sh --test)\n";
      std::exit(in_ci ? 1 : kSkip);  // NOLINT(concurrency-mt-unsafe): the test's only thread
    }
    std::filesystem::create_directories(dir_.path);
    socket_ = (dir_.path / "redis.sock").string();
    // No TCP port, no persistence, its log in the directory rather than the test's output.
    std::vector<std::string> args{binary.string(),
                                  "--port",
                                  "0",
                                  "--unixsocket",
                                  socket_,
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  dir_.path.string(),
                                  "--logfile",
                                  (dir_.path / "redis.log").string()};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    for (int i = 0; i < 100 && !std::filesystem::exists(socket_); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    REQUIRE(std::filesystem::exists(socket_));
  }
  ~RedisServer() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  proof::store::RedisAddress address() const {
    proof::store::RedisAddress a;
    a.unix_path = socket_;
    return a;
  }

 private:
  proof::test::TempDir dir_;
  std::string socket_;
  pid_t pid_ = 0;
};

struct RedisVisitor {
  std::string address;
  std::string user_agent;
};

std::vector<RedisVisitor> redis_visitors(std::size_t n) {
  std::vector<RedisVisitor> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({"10.1." + std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255),
                   "Mozilla/5.0 (build " + std::to_string(i % 7) + ")"});
  }
  return out;
}

std::vector<std::string> strings(const proof::store::RedisReply& reply) {
  std::vector<std::string> out;
  for (std::size_t i = 0; reply && i < reply->elements; ++i) {
    out.push_back(proof::store::redis_text(reply->element[i]));
  }
  return out;
}

}  // namespace

TEST_CASE("Experiment in Redis: two instances assign and count alike",
          "[.experiment_redis][experiment_redis]") {
  RedisServer redis;
  proof::store::RedisCommands commands_a(redis.address());
  proof::store::RedisCommands commands_b(redis.address());
  const proof::store::RedisKeys keys{"shop"};
  RedisExperiment a(commands_a, keys);
  RedisExperiment b(commands_b, keys);
  const proof::core::Experiment::Clock::time_point now = proof::core::Experiment::Clock::now();

  CHECK_FALSE(a.arm_of("10.0.0.1", "ua"));
  a.start_or_continue(20, now);
  b.start_or_continue(20, now + 1s);  // the same percentage: the same experiment
  const auto crowd = redis_visitors(400);
  std::size_t held = 0;
  for (const auto& v : crowd) {
    const auto arm = a.arm_of(v.address, v.user_agent);
    REQUIRE(arm);
    REQUIRE(b.arm_of(v.address, v.user_agent) == arm);
    held += *arm == Arm::kHoldout ? 1 : 0;
  }
  CHECK(held > 40);  // 80 expected
  CHECK(held < 120);

  // Each visitor's beacons reach either instance: counted once a day, wherever.
  for (std::size_t i = 0; i < crowd.size(); ++i) {
    RedisExperiment& first = i % 2 ? a : b;
    RedisExperiment& second = i % 2 ? b : a;
    CHECK(first.record(crowd[i].address, crowd[i].user_agent, Visit::kView, now) ==
          Recorded::kCounted);
    CHECK(second.record(crowd[i].address, crowd[i].user_agent, Visit::kView, now) ==
          Recorded::kRepeat);
    if (i % 10 == 0) {
      CHECK(second.record(crowd[i].address, crowd[i].user_agent, Visit::kGoal, now) ==
            Recorded::kCounted);
      CHECK(first.record(crowd[i].address, crowd[i].user_agent, Visit::kGoal, now) ==
            Recorded::kRepeat);
    }
  }
  const auto report_a = a.report(now);
  const auto report_b = b.report(now);
  REQUIRE(report_a.current);
  REQUIRE(report_b.current);
  CHECK(report_a.current->shown == report_b.current->shown);
  CHECK(report_a.current->holdout.visitors == held);
  CHECK(report_a.current->shown.visitors == 400 - held);
  CHECK(report_a.current->shown.conversions + report_a.current->holdout.conversions == 40);
  CHECK(report_a.current->holdout_percent == 20);
  CHECK(std::chrono::abs(report_a.current->started - now) < 1ms);

  // A restart of b with another percentage starts a new experiment for both: a counts its
  // next beacon under it without being told.
  b.start_or_continue(10, now + 1h);
  CHECK(a.record(crowd[0].address, crowd[0].user_agent, Visit::kView, now + 1h) ==
        Recorded::kCounted);
  CHECK(a.arm_of(crowd[0].address, crowd[0].user_agent) ==
        b.arm_of(crowd[0].address, crowd[0].user_agent));
  const auto after = a.report(now + 1h);
  REQUIRE(after.current);
  CHECK(after.current->holdout_percent == 10);
  CHECK(after.current->shown.visitors + after.current->holdout.visitors == 1);
  REQUIRE(after.previous);
  CHECK(after.previous->holdout_percent == 20);
  CHECK(after.previous->shown == report_a.current->shown);
  CHECK(after.previous->holdout == report_a.current->holdout);
  CHECK(std::chrono::abs(*after.previous->ended - (now + 1h)) < 1ms);

  // Off on b: a finds none at its next maintain, previous figures stay.
  b.start_or_continue(0, now + 2h);
  a.maintain(now + 2h);
  CHECK_FALSE(a.arm_of(crowd[0].address, crowd[0].user_agent));
  CHECK(a.record(crowd[1].address, crowd[1].user_agent, Visit::kView, now + 2h) == Recorded::kOff);
  CHECK(a.report(now + 2h).previous->holdout_percent == 10);
}

TEST_CASE("Experiment in Redis: what tells visitors apart expires with the day",
          "[.experiment_redis][experiment_redis]") {
  RedisServer redis;
  proof::store::RedisCommands commands(redis.address());
  const proof::store::RedisKeys keys{"shop"};
  RedisExperiment experiment(commands, keys, 50);
  const proof::core::Experiment::Clock::time_point now = proof::core::Experiment::Clock::now();
  experiment.start_or_continue(50, now);
  const auto crowd = redis_visitors(60);
  std::size_t full = 0;
  for (const auto& v : crowd) {
    full += experiment.record(v.address, v.user_agent, Visit::kGoal, now) == Recorded::kFull;
  }
  CHECK(full == 10);  // the day's bound, as in memory
  CHECK(experiment.visitors_not_counted() == 10);

  const std::int64_t day_end_s =
      (proof::core::utc_day(now) + 1) * 86400 + RedisExperiment::kDayMargin.count();
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::size_t expiring = 0;
  std::vector<std::string> kept;
  for (const std::string& key : strings(commands.run({"KEYS", "shop:*"}))) {
    const std::int64_t ttl = proof::store::redis_integer(commands.run({"TTL", key}).get());
    INFO(key << " expires in " << ttl << " s");
    if (ttl == -1) {
      kept.push_back(key);
      continue;
    }
    CHECK(ttl > 0);
    CHECK(ttl <= day_end_s - now_s + 1);
    ++expiring;
  }
  CHECK(expiring == 2);  // the day's salt and the day's visitors
  std::sort(kept.begin(), kept.end());
  // Kept past the day: the experiment (its secret) and its counts per day, nothing else.
  CHECK(kept == std::vector<std::string>{"shop:experiment", "shop:experiment:days"});
  const auto days = strings(commands.run({"HGETALL", "shop:experiment:days"}));
  for (std::size_t i = 0; i < days.size(); i += 2) {
    CHECK_THAT(days[i], Catch::Matches(std::to_string(proof::core::utc_day(now)) + ":[sh][vc]"));
  }
}
