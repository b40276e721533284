#include "store/redis_log.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>

namespace proof {

namespace {

/// How long the reader blocks in XREAD: also how soon stop() is noticed.
constexpr int kBlockMs = 250;
/// After the reader's connection failed, the pause before it tries again.
constexpr std::chrono::milliseconds kRetryPause{500};

/// Assigns the next id (above every one issued, at least the caller's clock in us) and
/// appends the entry, atomically; in the same step it counts the signup in its hour (for
/// /summary) and its day (for /stats), so the shared totals never disagree with what was
/// accepted, whichever instance accepted it. Numbers are Lua doubles: ids (~1.8e15) are
/// exact below 2^53; "%.0f" keeps them out of scientific notation.
/// KEYS: last_id, events, hour, day. ARGV: now_us, history, ts, signup, channel, hour TTL,
/// day TTL.
constexpr const char* kAppendScript = R"lua(
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local id = math.max(last + 1, tonumber(ARGV[1]))
local text = string.format('%.0f', id)
redis.call('SET', KEYS[1], text)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'id', text, 'ts', ARGV[3], 'signup', ARGV[4])
redis.call('HINCRBY', KEYS[3], '*', 1)
if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[5], 1) end
redis.call('EXPIRE', KEYS[3], ARGV[6])
redis.call('HINCRBY', KEYS[4], 'published', 1)
redis.call('EXPIRE', KEYS[4], ARGV[7])
return text
)lua";

/// Removes an event's entry (when its stream id is known) and appends a marker every
/// reader sees, atomically: the name is gone from Redis and every instance forgets it.
constexpr const char* kEraseScript = R"lua(
if ARGV[2] ~= '' then redis.call('XDEL', KEYS[1], ARGV[2]) end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'erase', ARGV[1])
return 'OK'
)lua";

/// Entries of an XRANGE/XREVRANGE reply, or of one stream in an XREAD reply.
using Entry = std::pair<std::string, std::vector<std::pair<std::string, std::string>>>;
std::vector<Entry> entries_of(const redisReply* list) {
  std::vector<Entry> out;
  if (!list || list->type != REDIS_REPLY_ARRAY) return out;
  for (std::size_t i = 0; i < list->elements; ++i) {
    const redisReply* entry = list->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) continue;
    Entry e{redis_text(entry->element[0]), {}};
    const redisReply* fields = entry->element[1];
    if (fields->type == REDIS_REPLY_ARRAY) {
      for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
        e.second.emplace_back(redis_text(fields->element[f]), redis_text(fields->element[f + 1]));
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string signup_json(const Signup& s) {
  nlohmann::json j{
      {"user_name", s.user_name}, {"offer_name", s.offer_name}, {"img_path", s.img_path}};
  if (!s.city.empty()) j["city"] = s.city;
  if (!s.url.empty()) j["url"] = s.url;
  if (!s.channel.empty()) j["channel"] = s.channel;
  if (!s.source.empty()) j["source"] = s.source;
  return j.dump();
}

}  // namespace

RedisLog::RedisLog(RedisCommands& commands, RedisKeys keys, std::size_t history)
    : commands_(commands), keys_(std::move(keys)), history_(history) {}

RedisLog::~RedisLog() {
  stop();
}

void RedisLog::start(std::function<void(EventPtr)> deliver,
                     std::function<void(std::uint64_t)> erase) {
  deliver_ = std::move(deliver);
  erase_ = std::move(erase);
  reader_ = std::thread([this] { read_loop(); });
}

void RedisLog::stop() {
  stopping_ = true;
  if (reader_.joinable()) reader_.join();
}

std::string RedisLog::last_error() const {
  return commands_.last_error();
}

std::uint64_t RedisLog::append(const Signup& signup, std::int64_t ts_ms, std::uint64_t now_us) {
  const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(ts_ms));
  const std::int64_t hour = std::chrono::floor<std::chrono::hours>(at).time_since_epoch().count();
  const std::int64_t day = std::chrono::floor<std::chrono::days>(at).time_since_epoch().count();
  const std::string id = redis_text(
      commands_
          .run({"EVAL", kAppendScript, "4", keys_.last_id(), keys_.events(), keys_.hour(hour),
                keys_.day(day), std::to_string(now_us), std::to_string(history_),
                std::to_string(ts_ms), signup_json(signup), signup.channel,
                std::to_string(kHourKeySeconds), std::to_string(kDayKeySeconds)})
          .get());
  if (id.empty()) throw SharedLogError("Redis gave no id");
  return std::stoull(id);
}

void RedisLog::erase(std::uint64_t id) {
  std::string entry;
  {
    std::lock_guard lock(entries_mutex_);
    if (const auto it = entries_.find(id); it != entries_.end()) entry = it->second;
  }
  commands_.run({"EVAL", kEraseScript, "1", keys_.events(), std::to_string(id), entry,
                 std::to_string(history_)});
}

EventPtr RedisLog::decode(const std::string& entry_id,
                          const std::vector<std::pair<std::string, std::string>>& fields) {
  std::uint64_t id = 0;
  std::int64_t ts = 0;
  Signup s;
  try {
    for (const auto& [name, value] : fields) {
      if (name == "id") id = std::stoull(value);
      if (name == "ts") ts = std::stoll(value);
      if (name == "signup") {
        const auto j = nlohmann::json::parse(value);
        s.user_name = j.value("user_name", "");
        s.offer_name = j.value("offer_name", "");
        s.img_path = j.value("img_path", "");
        s.city = j.value("city", "");
        s.url = j.value("url", "");
        s.channel = j.value("channel", "");
        s.source = j.value("source", "");
      }
    }
  } catch (const std::exception& e) {
    spdlog::warn("redis: skipped entry {} of {}: {}", entry_id, keys_.events(), e.what());
    return nullptr;
  }
  if (id == 0) {
    spdlog::warn("redis: skipped entry {} of {}: no id", entry_id, keys_.events());
    return nullptr;
  }
  return make_event(id, ts, std::move(s));
}

void RedisLog::read_loop() {
  std::string position;  // the last entry handed over; empty until the first load
  redisContext* context = nullptr;
  bool reported_down = false;
  const auto hand_over = [&](const std::vector<Entry>& entries) {
    for (const auto& [entry_id, fields] : entries) {
      position = entry_id;
      if (!fields.empty() && fields.front().first == "erase") {
        try {
          erase_(std::stoull(fields.front().second));
        } catch (const std::exception& e) {
          spdlog::warn("redis: skipped erase marker {}: {}", entry_id, e.what());
        }
        continue;
      }
      if (EventPtr event = decode(entry_id, fields)) {
        {
          std::lock_guard lock(entries_mutex_);
          entries_[event->id] = entry_id;
          // Only events still in some instance's history can be erased usefully.
          while (entries_.size() > 2 * history_ + 16) entries_.erase(entries_.begin());
        }
        const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        lag_ms_ = std::max<std::int64_t>(0, now_ms - event->ts_ms);
        deliver_(std::move(event));
      }
    }
  };
  while (!stopping_) {
    if (!context) {
      std::string error;
      context = redis_connect(commands_.address(), error);
      if (!context) {
        reader_connected_ = false;
        commands_.set_error(error);
        if (!reported_down) spdlog::error("redis: cannot reach {}: {}", keys_.events(), error);
        reported_down = true;
        std::this_thread::sleep_for(kRetryPause);
        continue;
      }
      redisSetTimeout(context, timeval{1, kBlockMs * 1000});
      if (position.empty()) {
        // First contact: the newest events, oldest first, as this instance's history.
        const RedisReply newest = redis_command(
            context, {"XREVRANGE", keys_.events(), "+", "-", "COUNT", std::to_string(history_)});
        if (!newest || newest->type == REDIS_REPLY_ERROR) {
          commands_.set_error(newest ? redis_text(newest.get()) : context->errstr);
          redisFree(context);
          context = nullptr;
          std::this_thread::sleep_for(kRetryPause);
          continue;
        }
        auto entries = entries_of(newest.get());
        std::reverse(entries.begin(), entries.end());
        position = "0-0";
        hand_over(entries);
      }
      reader_connected_ = true;
      if (reported_down) spdlog::info("redis: connected again, reading on after {}", position);
      reported_down = false;
    }
    const RedisReply reply =
        redis_command(context, {"XREAD", "COUNT", "1000", "BLOCK", std::to_string(kBlockMs),
                                "STREAMS", keys_.events(), position});
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
      const std::string error = reply ? redis_text(reply.get()) : context->errstr;
      spdlog::error("redis: lost the reader's connection: {}", error);
      commands_.set_error(error);
      reported_down = true;
      reader_connected_ = false;
      redisFree(context);
      context = nullptr;
      continue;
    }
    if (reply->type != REDIS_REPLY_ARRAY) continue;  // nil: nothing new within the block
    for (std::size_t i = 0; i < reply->elements; ++i) {
      const redisReply* stream = reply->element[i];
      if (stream->type == REDIS_REPLY_ARRAY && stream->elements == 2) {
        hand_over(entries_of(stream->element[1]));
      }
    }
  }
  reader_connected_ = false;
  if (context) redisFree(context);
}

}  // namespace proof
