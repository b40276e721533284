#include "store/redis_log.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>

namespace proof {

namespace {

/// How long a command or a connection attempt may take: a POST while Redis is away is
/// refused in about this long, never held for the request timeout.
constexpr timeval kCommandTimeout{1, 0};
/// How long the reader blocks in XREAD: also how soon stop() is noticed.
constexpr int kBlockMs = 250;
/// After a failed connection, commands fail at once for this long instead of each paying
/// for a connection attempt.
constexpr std::chrono::milliseconds kRetryPause{500};

/// Assigns the next id (above every one issued, at least the caller's clock in us) and
/// appends the entry, atomically. Numbers are Lua doubles: ids (~1.8e15) are exact below
/// 2^53; "%.0f" keeps them out of scientific notation.
constexpr const char* kAppendScript = R"lua(
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local id = math.max(last + 1, tonumber(ARGV[1]))
local text = string.format('%.0f', id)
redis.call('SET', KEYS[1], text)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'id', text, 'ts', ARGV[3], 'signup', ARGV[4])
return text
)lua";

/// Removes an event's entry (when its stream id is known) and appends a marker every
/// reader sees, atomically: the name is gone from Redis and every instance forgets it.
constexpr const char* kEraseScript = R"lua(
if ARGV[2] ~= '' then redis.call('XDEL', KEYS[1], ARGV[2]) end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'erase', ARGV[1])
return 'OK'
)lua";

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Reply command(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

std::string reply_text(const redisReply* reply) {
  return reply && reply->str ? std::string(reply->str, reply->len) : std::string();
}

redisContext* connect(const RedisAddress& address, std::string& error) {
  redisContext* context =
      address.unix_path.empty()
          ? redisConnectWithTimeout(address.host.c_str(), address.port, kCommandTimeout)
          : redisConnectUnixWithTimeout(address.unix_path.c_str(), kCommandTimeout);
  if (context == nullptr) {
    error = "cannot allocate a Redis connection";
    return nullptr;
  }
  if (context->err) {
    error = context->errstr;
    redisFree(context);
    return nullptr;
  }
  redisSetTimeout(context, kCommandTimeout);
  if (address.db != 0) {
    const Reply selected = command(context, {"SELECT", std::to_string(address.db)});
    if (!selected || selected->type == REDIS_REPLY_ERROR) {
      error = selected ? reply_text(selected.get()) : context->errstr;
      redisFree(context);
      return nullptr;
    }
  }
  return context;
}

/// Entries of an XRANGE/XREVRANGE reply, or of one stream in an XREAD reply.
using Entry = std::pair<std::string, std::vector<std::pair<std::string, std::string>>>;
std::vector<Entry> entries_of(const redisReply* list) {
  std::vector<Entry> out;
  if (!list || list->type != REDIS_REPLY_ARRAY) return out;
  for (std::size_t i = 0; i < list->elements; ++i) {
    const redisReply* entry = list->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) continue;
    Entry e{reply_text(entry->element[0]), {}};
    const redisReply* fields = entry->element[1];
    if (fields->type == REDIS_REPLY_ARRAY) {
      for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
        e.second.emplace_back(reply_text(fields->element[f]), reply_text(fields->element[f + 1]));
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
  return j.dump();
}

}  // namespace

RedisLog::RedisLog(RedisAddress address, std::string prefix, std::size_t history)
    : address_(std::move(address)),
      events_key_(prefix + ":events"),
      last_id_key_(prefix + ":last_id"),
      history_(history) {}

RedisLog::~RedisLog() {
  stop();
  if (command_) redisFree(command_);
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
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void RedisLog::set_error(const std::string& error) {
  std::lock_guard lock(error_mutex_);
  last_error_ = error;
}

std::string RedisLog::run(const std::vector<std::string>& args) {
  std::lock_guard lock(command_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!command_) {
    if (now < command_retry_after_) throw SharedLogError("Redis is unreachable: " + last_error());
    std::string error;
    command_ = connect(address_, error);
    if (!command_) {
      command_retry_after_ = now + kRetryPause;
      set_error(error);
      throw SharedLogError("Redis is unreachable: " + error);
    }
  }
  const Reply reply = command(command_, args);
  if (!reply) {
    // The connection failed mid-command: whether Redis ran it is unknown, and the caller
    // is told it did not (a retried publish may then be added twice; never lost).
    const std::string error = command_->errstr;
    redisFree(command_);
    command_ = nullptr;
    command_retry_after_ = now + kRetryPause;
    set_error(error);
    throw SharedLogError("Redis failed: " + error);
  }
  if (reply->type == REDIS_REPLY_ERROR)
    throw SharedLogError("Redis refused: " + reply_text(reply.get()));
  return reply_text(reply.get());
}

std::uint64_t RedisLog::append(const Signup& signup, std::int64_t ts_ms, std::uint64_t now_us) {
  const std::string id =
      run({"EVAL", kAppendScript, "2", last_id_key_, events_key_, std::to_string(now_us),
           std::to_string(history_), std::to_string(ts_ms), signup_json(signup)});
  if (id.empty()) throw SharedLogError("Redis gave no id");
  return std::stoull(id);
}

void RedisLog::erase(std::uint64_t id) {
  std::string entry;
  {
    std::lock_guard lock(entries_mutex_);
    if (const auto it = entries_.find(id); it != entries_.end()) entry = it->second;
  }
  run({"EVAL", kEraseScript, "1", events_key_, std::to_string(id), entry,
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
      }
    }
  } catch (const std::exception& e) {
    spdlog::warn("redis: skipped entry {} of {}: {}", entry_id, events_key_, e.what());
    return nullptr;
  }
  if (id == 0) {
    spdlog::warn("redis: skipped entry {} of {}: no id", entry_id, events_key_);
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
      context = connect(address_, error);
      if (!context) {
        reader_connected_ = false;
        set_error(error);
        if (!reported_down) spdlog::error("redis: cannot reach {}: {}", events_key_, error);
        reported_down = true;
        std::this_thread::sleep_for(kRetryPause);
        continue;
      }
      redisSetTimeout(context, timeval{1, kBlockMs * 1000});
      if (position.empty()) {
        // First contact: the newest events, oldest first, as this instance's history.
        const Reply newest = command(
            context, {"XREVRANGE", events_key_, "+", "-", "COUNT", std::to_string(history_)});
        if (!newest || newest->type == REDIS_REPLY_ERROR) {
          set_error(newest ? reply_text(newest.get()) : context->errstr);
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
    const Reply reply =
        command(context, {"XREAD", "COUNT", "1000", "BLOCK", std::to_string(kBlockMs), "STREAMS",
                          events_key_, position});
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
      const std::string error = reply ? reply_text(reply.get()) : context->errstr;
      spdlog::error("redis: lost the reader's connection: {}", error);
      set_error(error);
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
