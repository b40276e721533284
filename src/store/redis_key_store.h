// KeyStore in Redis (--redis): every instance sharing the Redis sees the same delivery ids
// and Idempotency-Keys, and a claim is one Lua script, so of two instances receiving the same
// delivery at the same moment exactly one publishes. Each key is a Redis key with its own
// expiry (PREFIX:seen:KEY); a sorted set of them by expiry (PREFIX:seen) holds the bound:
// past KeyStore::kMaxKeys, those that expire soonest are dropped.
#pragma once

#include "core/key_store.h"
#include "store/redis_connection.h"

namespace proof::store {

class RedisKeyStore final : public core::KeyStore {
 public:
  /// `commands` must outlive this.
  RedisKeyStore(RedisCommands& commands, RedisKeys keys, std::size_t max_keys = kMaxKeys)
      : commands_(commands), keys_(std::move(keys)), max_keys_(max_keys) {}

  std::optional<std::string> claim(std::span<const std::string> keys, std::string_view value,
                                   std::chrono::seconds ttl, Clock::time_point now) override;
  void put(std::span<const std::string> keys, std::string_view value, std::chrono::seconds ttl,
           Clock::time_point now) override;
  std::optional<std::string> get(const std::string& key, Clock::time_point now) override;
  void forget(std::span<const std::string> keys) override;
  std::size_t evicted() const override;

 private:
  /// Runs the set script: claim (when `only_if_new`) or put.
  std::optional<std::string> set(std::span<const std::string> keys, std::string_view value,
                                 std::chrono::seconds ttl, bool only_if_new);

  RedisCommands& commands_;
  RedisKeys keys_;
  std::size_t max_keys_;
};

}  // namespace proof::store
