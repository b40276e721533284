// KeyStore in this process only: what proof uses without --data-dir or --redis. A restart
// forgets every key. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <unordered_map>

#include "core/key_store.h"

namespace proof::core {

class MemoryKeyStore final : public KeyStore {
 public:
  explicit MemoryKeyStore(std::size_t max_keys = kMaxKeys) : max_keys_(max_keys) {}

  std::optional<std::string> claim(std::span<const std::string> keys, std::string_view value,
                                   std::chrono::seconds ttl, Clock::time_point now) override;
  void put(std::span<const std::string> keys, std::string_view value, std::chrono::seconds ttl,
           Clock::time_point now) override;
  std::optional<std::string> get(const std::string& key, Clock::time_point now) override;
  void forget(std::span<const std::string> keys) override;
  std::size_t evicted() const override;

  /// Keys held now, expired ones not yet dropped included (for tests of the bound).
  std::size_t size() const;

 private:
  using Expiry = std::multimap<Clock::time_point, std::string>;
  struct Entry {
    std::string value;
    Expiry::iterator expiry;
  };

  /// Drops `key` if it has expired; true when it is (still) held.
  bool live(const std::string& key, Clock::time_point now);
  void set(const std::string& key, std::string_view value, Clock::time_point until);
  void erase(const std::string& key);
  /// Drops what has expired, then, while `incoming` more would pass the bound, what
  /// expires soonest: before the new keys go in, so they are never the ones dropped.
  void make_room(Clock::time_point now, std::size_t incoming);

  mutable std::mutex mutex_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Entry> entries_;
  Expiry expiry_;  ///< every entry, by when it expires
  std::size_t evicted_ = 0;
};

}  // namespace proof::core
