// Keys remembered for a while, so that a delivery retried by its platform, or a request
// retried by its client, does nothing twice: the delivery ids and order keys of /hooks
// (kept 7 days) and the Idempotency-Key of POST /signup (24 hours). Claiming is atomic, also
// across every instance sharing one backend: of two instances receiving the same delivery
// at the same moment, one claims its keys and publishes, the other finds them held.
//
// Implemented in memory (core/memory_key_store.h), in --data-dir (store/sqlite_key_store.h)
// and in Redis (store/redis_key_store.h). Each holds at most a fixed number of keys and
// forgets the oldest past it, so a flood of distinct keys costs bounded memory and storage.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include "core/unavailable.h"

namespace proof::core {

/// The backend could not be read or written now; nothing was claimed or changed.
struct KeyStoreError : Unavailable {
  explicit KeyStoreError(const std::string& detail) : Unavailable(detail, "the key store", 2) {}
};

class KeyStore {
 public:
  using Clock = std::chrono::system_clock;

  /// Keys one store holds at most: each of them is a few hundred bytes in all (key, value,
  /// index), so about 60 MB at worst in memory. Past it, the keys that expire soonest go
  /// first, and a retry older than what is left could do its work a second time.
  static constexpr std::size_t kMaxKeys = 200000;

  virtual ~KeyStore() = default;

  /// If no key of `keys` is held, holds them all with `value` until `now + ttl` and returns
  /// nullopt; otherwise changes nothing and returns the value of the first one held.
  /// Atomic. Throws KeyStoreError.
  virtual std::optional<std::string> claim(std::span<const std::string> keys,
                                           std::string_view value, std::chrono::seconds ttl,
                                           Clock::time_point now) = 0;

  /// Sets every key of `keys` to `value` until `now + ttl`, held before or not.
  virtual void put(std::span<const std::string> keys, std::string_view value,
                   std::chrono::seconds ttl, Clock::time_point now) = 0;

  /// The value held for `key`, if it is held (and not expired).
  virtual std::optional<std::string> get(const std::string& key, Clock::time_point now) = 0;

  /// Forgets `keys` (a claim whose work failed, so that a retry can do it).
  virtual void forget(std::span<const std::string> keys) = 0;

  /// Keys forgotten before their time because the store was full, since the start.
  virtual std::size_t evicted() const = 0;
};

}  // namespace proof::core
