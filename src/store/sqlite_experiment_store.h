// The holdout experiment in --data-dir (experiment.db, beside events.db): the running
// experiment's secret, percentage, start and counts per UTC day; the last finished one's
// final figures; and, for the current day only, the day's salt and the visitor keys counted
// under it, so that a restart within the day counts nobody twice.
//
// What identifies nobody outlives its day here: forgetting the day's salt and keys deletes
// their rows with secure_delete on (SQLite overwrites them in the file, rather than leaving
// them in free pages) and then truncates the write-ahead log, where older copies of those
// pages were, to zero bytes. Every change is one transaction.
#pragma once

#include <filesystem>

#include "core/local_experiment.h"

struct sqlite3;

namespace proof::store {

class SqliteExperimentStore final : public core::ExperimentStore {
 public:
  /// Opens or creates `dir`/experiment.db. Throws ExperimentError.
  explicit SqliteExperimentStore(const std::filesystem::path& dir);
  ~SqliteExperimentStore() override;
  SqliteExperimentStore(const SqliteExperimentStore&) = delete;
  SqliteExperimentStore& operator=(const SqliteExperimentStore&) = delete;

  Stored load() override;
  void replace(const std::optional<core::ExperimentState>& current,
               const std::optional<core::ExperimentSummary>& previous) override;
  void begin_day(std::int64_t day, const std::optional<std::string>& salt) override;
  void record(std::uint64_t key, bool converted, std::int64_t day,
              const core::DayArms& counts) override;

  /// The database file (its -wal and -shm sit beside it), for tests that read its bytes.
  const std::filesystem::path& path() const { return path_; }

 private:
  void exec(const char* sql);
  /// Runs `work` in one write transaction, rolled back when it throws.
  template <class Work>
  void transaction(Work work);
  /// Writes one day's counts of the running experiment (within a transaction).
  void save_day(std::int64_t day, const core::DayArms& counts);
  /// Deletes the day's salt and keys (within a transaction).
  void forget_visitors();
  /// Empties the write-ahead log into the file and truncates it, so that deleted rows'
  /// old copies are gone from it too.
  void truncate_log();
  [[noreturn]] void fail(const char* what) const;

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace proof::store
