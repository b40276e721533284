#include "store/redis_key_store.h"

#include "core/shared_log.h"

namespace proof::store {

namespace {

/// Claims (ARGV[4] == "1": only if no key is held, else returns the first held value) or
/// puts the keys; makes room first, so the keys just set are never the ones dropped.
/// Expiry scores are Redis's own clock, so the instances' clocks need not agree.
/// KEYS: index, evicted counter, then the keys. ARGV: value, ttl ms, max keys, only if new.
constexpr const char* kSetScript = R"lua(
if ARGV[4] == '1' then
  for i = 3, #KEYS do
    local held = redis.call('GET', KEYS[i])
    if held then return held end
  end
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local incoming = #KEYS - 2
local max = tonumber(ARGV[3])
if redis.call('ZCARD', KEYS[1]) + incoming > max then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  local excess = redis.call('ZCARD', KEYS[1]) + incoming - max
  if excess > 0 then
    local old = redis.call('ZPOPMIN', KEYS[1], excess)
    for i = 1, #old, 2 do redis.call('DEL', old[i]) end
    redis.call('INCRBY', KEYS[2], #old / 2)
  end
end
for i = 3, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), KEYS[i])
end
return false
)lua";

/// KEYS: index, then the keys.
constexpr const char* kForgetScript = R"lua(
for i = 2, #KEYS do
  redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[1], KEYS[i])
end
return 'OK'
)lua";

}  // namespace

std::optional<std::string> RedisKeyStore::set(std::span<const std::string> keys,
                                              std::string_view value, std::chrono::seconds ttl,
                                              bool only_if_new) {
  std::vector<std::string> args{"EVAL", kSetScript, std::to_string(keys.size() + 2),
                                keys_.remembered_index(), keys_.remembered_evicted()};
  for (const auto& key : keys) args.push_back(keys_.remembered(key));
  args.emplace_back(value);
  args.push_back(std::to_string(std::chrono::milliseconds(ttl).count()));
  args.push_back(std::to_string(max_keys_));
  args.emplace_back(only_if_new ? "1" : "0");
  try {
    const RedisReply reply = commands_.run(args);
    if (reply->type == REDIS_REPLY_STRING) return redis_text(reply.get());
    return std::nullopt;  // false comes back as nil
  } catch (const core::SharedLogError& e) {
    throw core::KeyStoreError(e.what());
  }
}

std::optional<std::string> RedisKeyStore::claim(std::span<const std::string> keys,
                                                std::string_view value, std::chrono::seconds ttl,
                                                Clock::time_point) {
  return set(keys, value, ttl, true);
}

void RedisKeyStore::put(std::span<const std::string> keys, std::string_view value,
                        std::chrono::seconds ttl, Clock::time_point) {
  set(keys, value, ttl, false);
}

std::optional<std::string> RedisKeyStore::get(const std::string& key, Clock::time_point) {
  try {
    const RedisReply reply = commands_.run({"GET", keys_.remembered(key)});
    if (reply->type == REDIS_REPLY_STRING) return redis_text(reply.get());
    return std::nullopt;
  } catch (const core::SharedLogError& e) {
    throw core::KeyStoreError(e.what());
  }
}

void RedisKeyStore::forget(std::span<const std::string> keys) {
  if (keys.empty()) return;
  std::vector<std::string> args{"EVAL", kForgetScript, std::to_string(keys.size() + 1),
                                keys_.remembered_index()};
  for (const auto& key : keys) args.push_back(keys_.remembered(key));
  try {
    commands_.run(args);
  } catch (const core::SharedLogError& e) {
    throw core::KeyStoreError(e.what());
  }
}

std::size_t RedisKeyStore::evicted() const {
  try {
    return static_cast<std::size_t>(
        redis_integer(commands_.run({"GET", keys_.remembered_evicted()}).get()));
  } catch (const core::SharedLogError&) {
    return 0;
  }
}

}  // namespace proof::store
