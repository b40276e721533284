// KeyStore in --data-dir (deliveries.db, beside events.db): delivery ids and
// Idempotency-Keys outlive a restart, so a platform's retry after one is still a duplicate.
// At most KeyStore::kMaxKeys rows; expired ones are pruned as new ones come.
#pragma once

#include <filesystem>
#include <mutex>

#include "core/key_store.h"

struct sqlite3;

namespace proof::store {

class SqliteKeyStore final : public core::KeyStore {
 public:
  /// Opens or creates `dir`/deliveries.db. Throws KeyStoreError.
  explicit SqliteKeyStore(const std::filesystem::path& dir, std::size_t max_keys = kMaxKeys);
  ~SqliteKeyStore() override;
  SqliteKeyStore(const SqliteKeyStore&) = delete;
  SqliteKeyStore& operator=(const SqliteKeyStore&) = delete;

  std::optional<std::string> claim(std::span<const std::string> keys, std::string_view value,
                                   std::chrono::seconds ttl, Clock::time_point now) override;
  void put(std::span<const std::string> keys, std::string_view value, std::chrono::seconds ttl,
           Clock::time_point now) override;
  std::optional<std::string> get(const std::string& key, Clock::time_point now) override;
  void forget(std::span<const std::string> keys) override;
  std::size_t evicted() const override;

 private:
  void exec(const char* sql);
  /// Runs `work` in one write transaction (rolled back when it throws KeyStoreError).
  template <class Work>
  auto transaction(Work work);
  void set_locked(std::span<const std::string> keys, std::string_view value, std::int64_t until_ms);
  std::optional<std::string> get_locked(const std::string& key, std::int64_t now_ms);
  /// Drops expired rows, then the soonest to expire while `incoming` more would pass the bound.
  void make_room_locked(std::int64_t now_ms, std::size_t incoming);
  [[noreturn]] void fail(const char* what) const;

  std::filesystem::path path_;
  std::size_t max_keys_;
  sqlite3* db_ = nullptr;
  mutable std::mutex mutex_;  ///< guards db_ and the counters
  std::size_t rows_ = 0;      ///< rows in the table, expired ones included
  std::size_t evicted_ = 0;
};

}  // namespace proof::store
