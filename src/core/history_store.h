// Where the replay history outlives the process (--data-dir). Declared here, in core, so
// the Hub depends on what it needs and not on SQLite; store/sqlite_store implements it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/event_log.h"
#include "core/unavailable.h"

namespace proof::core {

/// A store that cannot be opened or written; the message names the directory or file.
struct StoreError : Unavailable {
  explicit StoreError(const std::string& detail) : Unavailable(detail, "the store", 5) {}
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  /// Writes `event` durably before it is acknowledged. Throws StoreError.
  virtual void append(const Event& event) = 0;
  /// The newest `n` events kept, oldest first.
  virtual std::vector<EventPtr> load(std::size_t n) = 0;
  /// Deletes the event with `id` (erasure: it is never loaded again). Throws StoreError.
  virtual void erase(std::uint64_t id) = 0;
  /// The highest id ever stored (0 for a new store), so ids never repeat after a restart.
  virtual std::uint64_t last_id() = 0;
};

}  // namespace proof::core
