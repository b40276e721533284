// core/memory_key_store.h and store/sqlite_key_store.h: the same contract (claim is all or
// nothing, expiry, a hard bound that drops what expires soonest), and --data-dir's keys
// surviving a restart. The Redis store is tested against a real redis-server in the
// integration tests.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/idempotency.h"
#include "core/memory_key_store.h"
#include "store/sqlite_key_store.h"
#include "temp_dir.h"

using proof::core::KeyStore;
using namespace std::chrono_literals;
using Keys = std::vector<std::string>;

namespace {

const KeyStore::Clock::time_point kKeyStoreStart = KeyStore::Clock::time_point(1'800'000'000s);

/// Runs `check` against each implementation, each holding at most `max` keys.
template <class Check>
void each_store(std::size_t max, Check check) {
  SECTION("memory") {
    proof::core::MemoryKeyStore store(max);
    check(store);
  }
  SECTION("sqlite") {
    proof::test::TempDir dir("keys");
    proof::store::SqliteKeyStore store(dir.path, max);
    check(store);
  }
}

}  // namespace

TEST_CASE("KeyStore: a claim holds all its keys or none of them", "[key_store]") {
  each_store(100, [](KeyStore& store) {
    CHECK_FALSE(store.claim(Keys{"a", "b"}, "one", 60s, kKeyStoreStart).has_value());
    CHECK(store.claim(Keys{"c", "b"}, "two", 60s, kKeyStoreStart) == std::string("one"));
    CHECK_FALSE(
        store.get("c", kKeyStoreStart).has_value());  // nothing of the refused claim was kept
    CHECK(store.get("a", kKeyStoreStart) == std::string("one"));
    store.put(Keys{"a", "b"}, "three", 60s, kKeyStoreStart);
    CHECK(store.get("b", kKeyStoreStart) == std::string("three"));
    store.forget(Keys{"a"});
    CHECK_FALSE(store.get("a", kKeyStoreStart).has_value());
    CHECK_FALSE(store.claim(Keys{"a"}, "four", 60s, kKeyStoreStart).has_value());
  });
}

TEST_CASE("KeyStore: keys expire and can then be claimed again", "[key_store]") {
  each_store(100, [](KeyStore& store) {
    CHECK_FALSE(store.claim(Keys{"k"}, "v", 10s, kKeyStoreStart).has_value());
    CHECK(store.get("k", kKeyStoreStart + 9s).has_value());
    CHECK_FALSE(store.get("k", kKeyStoreStart + 10s).has_value());
    CHECK_FALSE(store.claim(Keys{"k"}, "w", 10s, kKeyStoreStart + 11s).has_value());
    CHECK(store.get("k", kKeyStoreStart + 12s) == std::string("w"));
  });
}

TEST_CASE("KeyStore: a flood of distinct keys stays within the bound, newest kept", "[key_store]") {
  each_store(50, [](KeyStore& store) {
    for (int i = 0; i < 500; ++i) {
      const auto at = kKeyStoreStart + std::chrono::seconds(i);
      REQUIRE_FALSE(store.claim(Keys{"k" + std::to_string(i)}, "v", 7 * 24h, at).has_value());
    }
    CHECK(store.evicted() == 450);
    CHECK(store.get("k499", kKeyStoreStart + 500s).has_value());  // the newest are all there
    CHECK(store.get("k450", kKeyStoreStart + 500s).has_value());
    CHECK_FALSE(store.get("k0", kKeyStoreStart + 500s).has_value());  // the oldest went first
    CHECK_FALSE(store.get("k449", kKeyStoreStart + 500s).has_value());
  });
}

TEST_CASE("KeyStore: expired keys make room before any live one is dropped", "[key_store]") {
  proof::core::MemoryKeyStore store(10);
  for (int i = 0; i < 10; ++i) store.put(Keys{"old" + std::to_string(i)}, "v", 1s, kKeyStoreStart);
  store.put(Keys{"live"}, "v", 1h, kKeyStoreStart + 2s);
  CHECK(store.evicted() == 0);
  CHECK(store.size() == 1);
}

TEST_CASE("KeyStore: --data-dir keeps the keys across a restart", "[key_store]") {
  proof::test::TempDir dir("keys-restart");
  {
    proof::store::SqliteKeyStore store(dir.path);
    store.put(Keys{"hook:stripe:event:evt_1"}, "card 1 2 ", 7 * 24h, kKeyStoreStart);
  }
  proof::store::SqliteKeyStore again(dir.path);
  CHECK(again.get("hook:stripe:event:evt_1", kKeyStoreStart + 1h) == std::string("card 1 2 "));
  CHECK(again.claim(Keys{"hook:stripe:event:evt_1"}, "x", 1h, kKeyStoreStart + 1h).has_value());
}

TEST_CASE("Idempotency: replay, another body, in flight, abandoned", "[key_store][idempotency]") {
  proof::core::MemoryKeyStore store;
  proof::core::Idempotency idem(store);
  using State = proof::core::Idempotency::Start::State;
  const std::string fp = proof::core::Idempotency::fingerprint("application/json", "{\"a\":1}");
  CHECK(idem.begin("key-1", fp, kKeyStoreStart).state == State::kFresh);
  CHECK(idem.begin("key-1", fp, kKeyStoreStart).state == State::kInFlight);
  const std::string other = proof::core::Idempotency::fingerprint("application/json", "{\"a\":2}");
  CHECK(idem.begin("key-1", other, kKeyStoreStart).state == State::kMismatch);
  idem.done("key-1", fp, 1234, kKeyStoreStart);
  const auto replay = idem.begin("key-1", fp, kKeyStoreStart + 1h);
  CHECK(replay.state == State::kReplay);
  CHECK(replay.id == 1234);
  CHECK(idem.begin("key-1", other, kKeyStoreStart + 1h).state == State::kMismatch);
  CHECK(idem.begin("key-1", fp, kKeyStoreStart + 25h).state == State::kFresh);  // kept 24 h
  // A refused request leaves its key free.
  CHECK(idem.begin("key-2", fp, kKeyStoreStart).state == State::kFresh);
  idem.abandon("key-2");
  CHECK(idem.begin("key-2", other, kKeyStoreStart).state == State::kFresh);
}

TEST_CASE("Idempotency: keys are visible ASCII, 1 to 255, quoted or bare", "[idempotency]") {
  using proof::core::Idempotency;
  CHECK(Idempotency::parse_key("abc-123") == std::string("abc-123"));
  CHECK(Idempotency::parse_key("\"8e03978e-40d5\"") == std::string("8e03978e-40d5"));
  CHECK_FALSE(Idempotency::parse_key("").has_value());
  CHECK_FALSE(Idempotency::parse_key("\"\"").has_value());
  CHECK_FALSE(Idempotency::parse_key("has space").has_value());
  CHECK_FALSE(Idempotency::parse_key(std::string(256, 'k')).has_value());
  CHECK(Idempotency::parse_key(std::string(255, 'k')).has_value());
  CHECK(Idempotency::fingerprint("a", "b") != Idempotency::fingerprint("a", "c"));
  CHECK(Idempotency::fingerprint("a", "b") != Idempotency::fingerprint("a\nb", ""));
}
