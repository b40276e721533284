// store.h and Hub with a store: the history, its kinds and the id sequence survive a restart.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "core/daily_stats.h"
#include "core/hub.h"
#include "event_ids.h"
#include "store/sqlite_store.h"
#include "temp_dir.h"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using proof::core::EventPtr;
using proof::core::Hub;
using proof::core::Signup;
using proof::store::EventStore;
using proof::test::ids;

namespace {

/// A fresh --data-dir, removed afterwards.
struct StoreDir : proof::test::TempDir {
  StoreDir() : TempDir("store") {}
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("Store: events written are read back whole after reopening", "[store]") {
  const StoreDir dir;
  const Signup full{"Jane \"JD\" <b>",     "Pro", "/img/j.png", "Z\xC3\xBCrich",
                    "https://s.example/p", "mug"};
  {
    EventStore store(dir.path, 100, 3600s);
    CHECK(store.last_id() == 0);
    store.append(*proof::core::make_event(10, now_ms(), full));
    store.append(*proof::core::make_event(20, now_ms(),
                                          Signup{"Bob", "Basic", "/img/default.svg", "", "", ""}));
  }
  EventStore store(dir.path, 100, 3600s);
  CHECK(store.last_id() == 20);
  const auto events = store.load(10);
  REQUIRE(ids(events) == std::vector<std::uint64_t>{10, 20});
  CHECK(events[0]->signup.user_name == full.user_name);
  CHECK(events[0]->signup.city == full.city);
  CHECK(events[0]->signup.url == full.url);
  // The rebuilt event serialises exactly as the original did.
  CHECK(events[0]->json == proof::core::make_event(10, events[0]->ts_ms, full)->json);
  CHECK(events[1]->signup.city.empty());
}

TEST_CASE("Store: load(n) gives the newest n, oldest first", "[store]") {
  const StoreDir dir;
  EventStore store(dir.path, 100, 3600s);
  for (std::uint64_t id = 1; id <= 6; ++id) {
    store.append(*proof::core::make_event(id, now_ms(), Signup{"u", "o", "/i", "", "", ""}));
  }
  CHECK(ids(store.load(3)) == std::vector<std::uint64_t>{4, 5, 6});
  CHECK(ids(store.load(100)).size() == 6);
  CHECK(store.load(0).empty());
}

TEST_CASE("Store: retention keeps at most `keep`, none too old, and remembers the last id",
          "[store]") {
  const StoreDir dir;
  EventStore store(dir.path, 3, 3600s);
  for (std::uint64_t id = 1; id <= 10; ++id) {
    store.append(*proof::core::make_event(id, now_ms(), Signup{"u", "o", "/i", "", "", ""}));
  }
  store.append(
      *proof::core::make_event(11, now_ms() - 7200LL * 1000, Signup{"old", "o", "/i", "", "", ""}));
  store.prune();
  CHECK(ids(store.load(100)) == std::vector<std::uint64_t>{9, 10});  // 11 is too old, 1..8 too many
  CHECK(store.last_id() == 11);  // pruned, but ids must not step back after a restart
}

TEST_CASE("Store: an unusable --data-dir is a StoreError naming it", "[store]") {
  const StoreDir dir;
  fs::create_directories(dir.path.parent_path());
  { std::ofstream(dir.path) << "a file, not a directory"; }
  try {
    EventStore store(dir.path / "sub", 10, 3600s);
    FAIL("no StoreError for " << dir.path);
  } catch (const proof::core::StoreError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains(dir.path.string()));
  }
}

TEST_CASE("Store: a restarted hub replays the stored history and continues its ids",
          "[store][hub]") {
  const StoreDir dir;
  std::vector<std::uint64_t> before;
  {
    EventStore store(dir.path, 100, 3600s);
    Hub hub(100, 10, &store);
    for (int i = 0; i < 5; ++i) {
      before.push_back(hub.publish(Signup{"u" + std::to_string(i), "o", "/i", "", "", ""})->id);
    }
  }
  EventStore store(dir.path, 100, 3600s);
  Hub hub(3, 10, &store);
  const Hub::Start start = hub.start(10);
  CHECK(ids(start.replay) == std::vector<std::uint64_t>(before.end() - 3, before.end()));
  CHECK(start.cursor == before.back());
  CHECK(hub.last_id() == before.back());
  CHECK(ids(hub.resume(before[2])) == std::vector<std::uint64_t>{before[3], before[4]});
  const auto next = hub.publish(Signup{"after restart", "o", "/i", "", "", ""});
  CHECK(next->id > before.back());
}

TEST_CASE("Store: a restarted hub never reuses an id, even with the clock set back",
          "[store][hub]") {
  const StoreDir dir;
  // An id far in the future, as if written while the clock ran fast.
  const std::uint64_t future = static_cast<std::uint64_t>(now_ms() + 3600LL * 1000) * 1000;
  {
    EventStore store(dir.path, 100, 3600s);
    store.append(*proof::core::make_event(future, now_ms(), Signup{"u", "o", "/i", "", "", ""}));
  }
  EventStore store(dir.path, 100, 3600s);
  Hub hub(10, 10, &store);
  CHECK(hub.publish(Signup{"v", "o", "/i", "", "", ""})->id == future + 1);
}

namespace {

/// Runs `sql` on the store's file behind its back, as damage or an operator would.
void tamper(const fs::path& db_file, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_file.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

/// Collects what proof logs while it lives.
struct CapturedLog {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  CapturedLog() {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(text)));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous); }
};

Signup named(std::string name) {
  return Signup{std::move(name), "offer", "/img/a.svg", "", "", ""};
}

}  // namespace

TEST_CASE("Store: a stored row with invalid UTF-8 is skipped with a warning naming it", "[store]") {
  const StoreDir dir;
  std::uint64_t damaged_id = 0;
  {
    Hub hub(10, 10, nullptr);
    EventStore store(dir.path, 10, 3600s);
    for (const char* name : {"Ada", "Bo", "Cy"}) {
      const auto event = hub.publish(named(name));
      store.append(*event);
      if (std::string(name) == "Bo") damaged_id = event->id;
    }
  }
  tamper(dir.path / "events.db",
         ("UPDATE events SET user_name = CAST(X'426FFF' AS TEXT) WHERE id = " +
          std::to_string(damaged_id))
             .c_str());
  const CapturedLog log;
  EventStore store(dir.path, 10, 3600s);
  const auto events = store.load(10);
  REQUIRE(events.size() == 2);
  CHECK(events[0]->signup.user_name == "Ada");
  CHECK(events[1]->signup.user_name == "Cy");
  CHECK_THAT(log.text.str(), Catch::Contains(std::to_string(damaged_id)));
  // And a hub started on it serves the rest rather than aborting.
  Hub hub(10, 10, &store);
  CHECK(hub.start(10).replay.size() == 2);
}

TEST_CASE("Store: a failed prune after the write does not fail the write", "[store]") {
  const StoreDir dir;
  { EventStore store(dir.path, 2, 3600s); }
  tamper(dir.path / "events.db",
         "CREATE TRIGGER no_prune BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'disk"
         " trouble'); END");
  const CapturedLog log;
  EventStore store(dir.path, 2, 3600s);
  Hub hub(10, 10, nullptr);
  for (int i = 0; i < 70; ++i) {  // past the 64 appends that trigger a prune
    const auto event = hub.publish(named("n" + std::to_string(i)));
    REQUIRE_NOTHROW(store.append(*event));
  }
  CHECK_THAT(log.text.str(), Catch::Contains("disk trouble"));
  CHECK(store.last_id() == hub.last_id());
}

TEST_CASE("Store: an empty (0-byte) events.db starts with a warning, not silently", "[store]") {
  const StoreDir dir;
  fs::create_directories(dir.path);
  { std::ofstream(dir.path / "events.db"); }
  const CapturedLog log;
  EventStore store(dir.path, 10, 3600s);
  CHECK(store.load(10).empty());
  CHECK_THAT(log.text.str(), Catch::Contains("0 bytes"));
}

TEST_CASE("Store: an event's kind is kept, and a purchase without an offer stays without",
          "[store][kind]") {
  const StoreDir dir;
  Signup bought{"Jane D.", "", "/i", "Leeds", "", "", "stripe"};
  bought.kind = proof::core::EventKind::kPurchase;
  Signup said{"Bo", "", "/i", "", "", "", ""};  // POST /signup with kind=purchase, no product
  said.kind = proof::core::EventKind::kPurchase;
  {
    EventStore store(dir.path, 10, 3600s);
    store.append(*proof::core::make_event(1, now_ms(), named("Ada")));
    store.append(*proof::core::make_event(2, now_ms(), bought));
    store.append(*proof::core::make_event(3, now_ms(), said));
  }
  EventStore store(dir.path, 10, 3600s);
  const auto events = store.load(10);
  REQUIRE(events.size() == 3);
  CHECK(events[0]->signup.kind == proof::core::EventKind::kSignup);
  CHECK(events[1]->signup.kind == proof::core::EventKind::kPurchase);
  CHECK(events[2]->signup.kind == proof::core::EventKind::kPurchase);
  CHECK(events[2]->signup.source.empty());
  // What a replay sends is what was sent live.
  CHECK(events[1]->json == proof::core::make_event(2, events[1]->ts_ms, bought)->json);
  CHECK(events[2]->json == proof::core::make_event(3, events[2]->ts_ms, said)->json);
  CHECK_FALSE(nlohmann::json::parse(events[2]->json).contains("offer_name"));
}

TEST_CASE("Store: a file from before kinds opens, its verified events read as purchases",
          "[store][kind]") {
  const StoreDir dir;
  fs::create_directories(dir.path);
  const fs::path file = dir.path / "events.db";
  const std::int64_t ts = now_ms();
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
    sqlite3_close(db);
  }
  // The tables as proof wrote them before events had kinds.
  tamper(file,
         ("CREATE TABLE events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user_name TEXT NOT"
          " NULL, offer_name TEXT NOT NULL, img_path TEXT NOT NULL, city TEXT NOT NULL, url TEXT"
          " NOT NULL, channel TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '');"
          "CREATE TABLE daily_stats (day INTEGER PRIMARY KEY, published INTEGER NOT NULL,"
          " shown INTEGER NOT NULL, clicks INTEGER NOT NULL, peak_pages INTEGER NOT NULL);"
          "INSERT INTO events VALUES (5, " +
          std::to_string(ts) +
          ", 'Ada', 'Newsletter', '/i', '', '', '', '');"
          "INSERT INTO events VALUES (6, " +
          std::to_string(ts) +
          ", 'Jane D.', 'one of our partners', '/i', 'Leeds', '', 'mug', 'shopify');"
          "INSERT INTO daily_stats VALUES (20000, 4, 30, 2, 5);")
             .c_str());
  {
    EventStore store(dir.path, 10, 3600s);
    const auto events = store.load(10);
    REQUIRE(events.size() == 2);
    CHECK(events[0]->signup.kind == proof::core::EventKind::kSignup);
    CHECK(events[1]->signup.kind == proof::core::EventKind::kPurchase);
    CHECK(nlohmann::json::parse(events[1]->json).at("kind") == "purchase");
    CHECK(nlohmann::json::parse(events[0]->json).at("kind") == "signup");
    // The days counted then had no purchases told apart.
    const auto days = store.load_days(0);
    REQUIRE(days.size() == 1);
    CHECK(days[0].counts == proof::core::DayCounts{4, 30, 2, 5, 0});
    // New rows go in with their kind and purchases.
    Signup said{"Bo", "Mug", "/i", "", "", "", ""};
    said.kind = proof::core::EventKind::kPurchase;
    store.append(*proof::core::make_event(7, ts, said));
    store.save_day(20001, proof::core::DayCounts{3, 0, 0, 0, 2});
  }
  EventStore store(dir.path, 10, 3600s);
  const auto events = store.load(10);
  REQUIRE(events.size() == 3);
  CHECK(events[2]->signup.kind == proof::core::EventKind::kPurchase);
  CHECK(events[2]->signup.source.empty());
  const auto days = store.load_days(20001);
  REQUIRE(days.size() == 1);
  CHECK(days[0].counts.purchases == 2);
}

namespace {

/// The files under `dir` whose bytes hold `text`: a database's free pages and its
/// write-ahead log are bytes like any other.
std::vector<std::string> files_holding(const fs::path& dir, const std::string& text) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(text) != std::string::npos) found.push_back(entry.path().filename().string());
  }
  return found;
}

}  // namespace

TEST_CASE("Store: an erased event's text is in no file of the data dir once erase returns",
          "[store][erase]") {
  const StoreDir dir;
  EventStore store(dir.path, 100, 3600s);
  Hub hub(100, 10, nullptr);
  std::uint64_t erased = 0;
  for (const std::string name : {"Keptname A.", "Quillon V.", "Keptname B."}) {
    const auto event = hub.publish(named(name));
    store.append(*event);
    if (name == "Quillon V.") erased = event->id;
  }
  REQUIRE_FALSE(files_holding(dir.path, "Quillon V.").empty());  // the search reads the files

  store.erase(erased);
  CHECK(files_holding(dir.path, "Quillon V.").empty());
  CHECK_FALSE(files_holding(dir.path, "Keptname B.").empty());
  CHECK(ids(store.load(10)).size() == 2);
}

TEST_CASE("Store: a reader holding the log back delays the scrub to the next write, with a warning",
          "[store][erase]") {
  const StoreDir dir;
  EventStore store(dir.path, 100, 3600s);
  Hub hub(100, 10, nullptr);
  store.append(*hub.publish(named("Quillon V.")));
  const std::uint64_t erased = hub.last_id();
  store.append(*hub.publish(named("Keptname A.")));

  // Another process (an operator's sqlite3 shell) in the middle of a read.
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open((dir.path / "events.db").c_str(), &reader) == SQLITE_OK);
  REQUIRE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM events;", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  const CapturedLog log;
  store.erase(erased);
  CHECK(ids(store.load(10)) == std::vector<std::uint64_t>{hub.last_id()});  // erased at once
  CHECK_THAT(log.text.str(), Catch::Contains("events.db-wal") && Catch::Contains("erased"));
  CHECK_FALSE(files_holding(dir.path, "Quillon V.").empty());

  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  store.append(*hub.publish(named("Keptname B.")));
  CHECK(files_holding(dir.path, "Quillon V.").empty());
}
