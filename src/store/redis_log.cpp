#include "store/redis_log.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/utc.h"

namespace proof::store {

namespace {

/// How long the reader blocks in XREAD: also how soon stop() is noticed.
constexpr int kBlockMs = 250;

/// Assigns the next id (above every one issued, and at least the caller's floor: its clock in
/// us, and above every id it has seen, which matters after Redis lost PREFIX:last_id), numbers
/// the entry and appends it under the stream id ID-0, atomically; in the same step it counts
/// the event in its hour (for /summary) and its day (for /stats), and a purchase also under
/// the hour's '+' fields ('+*' overall, '+CHANNEL'; core/hourly_totals.h) and the day's
/// 'purchases', so the shared totals never disagree with what was accepted. Since the
/// stream's ids are the events' ids, a reader's place in it is an event id too, and stays
/// right when Redis comes back empty. Numbers are Lua doubles: ids (~1.8e15) are exact below
/// 2^53; "%.0f" keeps them out of scientific notation.
/// KEYS: last_id, events, hour, day, appended. ARGV: floor, history, ts, signup, channel,
/// hour TTL, day TTL, kind.
constexpr const char* kAppendScript = R"lua(
local id = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') + 1, tonumber(ARGV[1]))
local n = redis.call('INCRBY', KEYS[5], 1)
local function add(at)
  local text = string.format('%.0f', at)
  return text, redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], text .. '-0',
                           'id', text, 'ts', ARGV[3], 'signup', ARGV[4], 'n', n)
end
local text, added = add(id)
if type(added) == 'table' and added.err then
  -- The stream ends above the sequence (PREFIX:last_id alone was lost): go on above it.
  local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  id = math.max(id, tonumber(string.match(top[1][1], '^%d+')) + 1)
  text, added = add(id)
  if type(added) == 'table' and added.err then return added end
end
redis.call('SET', KEYS[1], text)
local purchase = ARGV[8] == 'purchase'
redis.call('HINCRBY', KEYS[3], '*', 1)
if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[5], 1) end
if purchase then
  redis.call('HINCRBY', KEYS[3], '+*', 1)
  if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[3], '+' .. ARGV[5], 1) end
end
redis.call('EXPIRE', KEYS[3], ARGV[6])
redis.call('HINCRBY', KEYS[4], 'published', 1)
if purchase then redis.call('HINCRBY', KEYS[4], 'purchases', 1) end
redis.call('EXPIRE', KEYS[4], ARGV[7])
return text
)lua";

/// Removes an event's entry (when its stream id is known) and appends a marker every reader
/// sees, atomically: the name is gone from Redis and every instance forgets it. The marker's
/// stream id is LAST-N, LAST the newest event id (or the caller's floor, if Redis lost it), so
/// that it sorts after every event before it and before every event after it.
/// KEYS: events, last_id. ARGV: event id, its stream entry or '', history, floor.
constexpr const char* kEraseScript = R"lua(
if ARGV[2] ~= '' then redis.call('XDEL', KEYS[1], ARGV[2]) end
local at = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(ARGV[4]))
local seq = 1
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if top then
  local ms, s = string.match(top[1], '^(%d+)-(%d+)$')
  if tonumber(ms) > at then at = tonumber(ms) end
  if tonumber(ms) == at then seq = tonumber(s) + 1 end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3],
           string.format('%.0f', at) .. '-' .. string.format('%.0f', seq), 'erase', ARGV[1])
return 'OK'
)lua";

/// Raises the id sequence to at least ARGV[1]. KEYS: last_id.
constexpr const char* kRaiseScript = R"lua(
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 'OK'
)lua";

/// A stream id ("MS-SEQ") as two numbers, for comparing; {0, 0} for anything else.
std::pair<std::uint64_t, std::uint64_t> stream_id(std::string_view text) {
  std::pair<std::uint64_t, std::uint64_t> id{0, 0};
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return id;
  std::from_chars(text.data(), text.data() + dash, id.first);
  std::from_chars(text.data() + dash + 1, text.data() + text.size(), id.second);
  return id;
}

std::string signup_json(const core::Signup& s) {
  nlohmann::json j{
      {"user_name", s.user_name}, {"offer_name", s.offer_name}, {"img_path", s.img_path}};
  if (!s.city.empty()) j["city"] = s.city;
  if (!s.url.empty()) j["url"] = s.url;
  if (!s.channel.empty()) j["channel"] = s.channel;
  if (!s.source.empty()) j["source"] = s.source;
  j["kind"] = core::kind_name(s.kind);
  return j.dump();
}

std::uint64_t now_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

/// One stream entry: its stream id and its fields in order.
struct RedisLog::Entry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;

  const std::string* field(std::string_view name) const {
    for (const auto& [key, value] : fields) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  /// PREFIX:appended's count when the entry was added; 0 for a marker or an entry written
  /// before entries were numbered.
  std::uint64_t number() const {
    const std::string* n = field("n");
    std::uint64_t value = 0;
    if (n) std::from_chars(n->data(), n->data() + n->size(), value);
    return value;
  }
};

namespace {

/// Entries of an XRANGE/XREVRANGE reply, or of one stream in an XREAD reply.
template <typename Entry>
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
        e.fields.emplace_back(redis_text(fields->element[f]), redis_text(fields->element[f + 1]));
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

/// The reply of a command the reader sends, or nullopt with `error` set when the connection
/// failed or Redis answered an error.
std::optional<RedisReply> reader_command(redisContext* context,
                                         const std::vector<std::string>& args, std::string& error) {
  RedisReply reply = redis_command(context, args);
  if (!reply) {
    error = context->errstr;
    return std::nullopt;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    error = redis_text(reply.get());
    return std::nullopt;
  }
  return reply;
}

}  // namespace

RedisLog::RedisLog(RedisCommands& commands, RedisKeys keys, std::size_t history)
    : commands_(commands), keys_(std::move(keys)), history_(history) {}

RedisLog::~RedisLog() {
  stop();
}

void RedisLog::start(std::function<void(core::EventPtr)> deliver,
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

std::uint64_t RedisLog::append(const core::Signup& signup, std::int64_t ts_ms, std::uint64_t now) {
  const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(ts_ms));
  const std::int64_t hour = core::utc_hour(at);
  const std::int64_t day = core::utc_day(at);
  const std::uint64_t floor = std::max(now, highest_id_.load() + 1);
  const std::string text = redis_text(
      commands_
          .run({"EVAL", kAppendScript, "5", keys_.last_id(), keys_.events(), keys_.hour(hour),
                keys_.day(day), keys_.appended(), std::to_string(floor), std::to_string(history_),
                std::to_string(ts_ms), signup_json(signup), signup.channel,
                std::to_string(kHourKeySeconds), std::to_string(kDayKeySeconds),
                std::string(core::kind_name(signup.kind))})
          .get());
  std::uint64_t id = 0;
  std::from_chars(text.data(), text.data() + text.size(), id);
  if (id == 0) throw core::SharedLogError("Redis gave no id");
  std::uint64_t seen = highest_id_.load();
  while (seen < id && !highest_id_.compare_exchange_weak(seen, id)) {
  }
  return id;
}

void RedisLog::erase(std::uint64_t id) {
  std::string entry;
  {
    std::lock_guard lock(entries_mutex_);
    if (const auto it = entries_.find(id); it != entries_.end()) entry = it->second;
  }
  commands_.run({"EVAL", kEraseScript, "2", keys_.events(), keys_.last_id(), std::to_string(id),
                 entry, std::to_string(history_), std::to_string(highest_id_.load())});
}

core::EventPtr RedisLog::decode(const Entry& entry) {
  std::uint64_t id = 0;
  std::int64_t ts = 0;
  core::Signup s;
  try {
    if (const std::string* value = entry.field("id")) id = std::stoull(*value);
    if (const std::string* value = entry.field("ts")) ts = std::stoll(*value);
    if (const std::string* value = entry.field("signup")) {
      const auto j = nlohmann::json::parse(*value);
      s.user_name = j.value("user_name", "");
      s.offer_name = j.value("offer_name", "");
      s.img_path = j.value("img_path", "");
      s.city = j.value("city", "");
      s.url = j.value("url", "");
      s.channel = j.value("channel", "");
      s.source = j.value("source", "");
      // An entry appended before kinds has none: stored_kind() reads it from its source.
      s.kind = core::stored_kind(j.value("kind", ""), s.source);
    }
  } catch (const std::exception& e) {
    spdlog::warn("redis: skipped entry {} of {}: {}", entry.id, keys_.events(), e.what());
    return nullptr;
  }
  if (id == 0) {
    spdlog::warn("redis: skipped entry {} of {}: no id", entry.id, keys_.events());
    return nullptr;
  }
  return core::make_event(id, ts, std::move(s));
}

void RedisLog::read_loop() {
  while (!stopping_) {
    const RedisContext context = connect_reader();
    if (context && catch_up(context.get())) {
      // The command connection first, so that /healthz never says ok while a POST would
      // still meet a connection to the Redis that went away.
      if (reported_down_) commands_.reconnect_now();
      reader_connected_ = true;
      if (reported_down_) spdlog::info("redis: connected again, reading on after {}", position_);
      reported_down_ = false;
      reported_error_.clear();
      backoff_.reset();
      while (!stopping_ && follow(context.get())) {
      }
    }
    pause();
  }
  reader_connected_ = false;
}

void RedisLog::pause() {
  // Slept in slices, so that stop() is noticed within one.
  const auto until = std::chrono::steady_clock::now() + backoff_.next();
  while (!stopping_ && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

RedisContext RedisLog::connect_reader() {
  RedisConnectError error;
  RedisContext context = redis_connect(commands_.address(), error);
  if (context) {
    // Longer than the block, so that a reply that is merely waiting is not taken for a loss.
    redisSetTimeout(context.get(), timeval{1, static_cast<suseconds_t>(kBlockMs) * 1000});
    return context;
  }
  reader_connected_ = false;
  commands_.set_error(error.message);
  if (error.message != reported_error_) {
    if (error.refused) {
      spdlog::error("redis: {}; trying again until it accepts", error.message);
    } else {
      spdlog::error("redis: cannot reach {}: {}", keys_.events(), error.message);
    }
    reported_error_ = error.message;
  }
  reported_down_ = true;
  return nullptr;
}

void RedisLog::lost(const std::string& error) {
  if (!reported_down_) spdlog::error("redis: lost the reader's connection: {}", error);
  commands_.set_error(error);
  reported_down_ = true;
  reader_connected_ = false;
}

bool RedisLog::catch_up(redisContext* context) {
  std::string error;
  if (position_.empty()) {
    // First contact: the newest events, oldest first, as this instance's history.
    const auto newest = reader_command(
        context, {"XREVRANGE", keys_.events(), "+", "-", "COUNT", std::to_string(history_)}, error);
    if (!newest) {
      lost(error);
      return false;
    }
    auto entries = entries_of<Entry>(newest->get());
    std::reverse(entries.begin(), entries.end());
    position_ = "0-0";
    hand_over(entries);
    return true;
  }
  // Back after a lost connection. Redis may have come back empty or be a replica that was
  // behind: its sequence must not issue ids this instance's pages have already seen.
  return raise_sequence(context);
}

bool RedisLog::raise_sequence(redisContext* context) {
  const std::uint64_t highest = highest_id_.load();
  if (highest == 0) return true;
  std::string error;
  if (!reader_command(
          context, {"EVAL", kRaiseScript, "1", keys_.last_id(), std::to_string(highest)}, error)) {
    lost(error);
    return false;
  }
  return true;
}

bool RedisLog::follow(redisContext* context) {
  std::string error;
  const auto reply = reader_command(context,
                                    {"XREAD", "COUNT", "1000", "BLOCK", std::to_string(kBlockMs),
                                     "STREAMS", keys_.events(), position_},
                                    error);
  if (!reply) {
    lost(error);
    return false;
  }
  if ((*reply)->type != REDIS_REPLY_ARRAY) return true;  // nil: nothing new within the block
  for (std::size_t i = 0; i < (*reply)->elements; ++i) {
    const redisReply* stream = (*reply)->element[i];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2) continue;
    const auto entries = entries_of<Entry>(stream->element[1]);
    const auto first = std::find_if(entries.begin(), entries.end(),
                                    [](const Entry& e) { return e.number() != 0; });
    if (first != entries.end() && !check_numbering(context, *first)) return false;
    hand_over(entries);
  }
  return true;
}

bool RedisLog::check_numbering(redisContext* context, const Entry& first) {
  const std::uint64_t number = first.number();
  const std::uint64_t last = last_number_;
  if (last == 0 || number == last + 1) return true;
  std::string error;
  if (number <= last) {
    // PREFIX:appended went back: Redis lost its data (restarted without persistence, a
    // failover to a replica that was behind, a FLUSHALL). Events go on: their ids are above
    // every id seen (the floor of append(), and the sequence raised here).
    spdlog::warn(
        "redis: Redis has lost events this instance had read (entry {} is number {}, after "
        "{}): restarted without its data, a replica that was behind, or flushed; the history "
        "and counts kept there are gone, ids go on above {}",
        first.id, number, last, highest_id_.load());
    return raise_sequence(context);
  }
  // A jump: entries between the last one read and this one are gone. Erased events leave
  // such holes too, but only trimming takes the entries up to this one all away.
  const auto oldest =
      reader_command(context, {"XRANGE", keys_.events(), "-", "+", "COUNT", "1"}, error);
  if (!oldest) {
    lost(error);
    return false;
  }
  const auto entries = entries_of<Entry>(oldest->get());
  if (entries.empty() || stream_id(entries.front().id) <= stream_id(position_)) return true;
  const std::uint64_t missed = number - last - 1;
  gap_events_ += missed;
  spdlog::warn(
      "redis: missed {} events: {} was trimmed past what this instance had read (it was away "
      "or more than a history behind); its pages get what is left, from entry {}",
      missed, keys_.events(), first.id);
  return true;
}

void RedisLog::hand_over(const std::vector<Entry>& entries) {
  for (const Entry& entry : entries) {
    position_ = entry.id;
    if (const std::string* erased = entry.field("erase")) {
      try {
        erase_(std::stoull(*erased));
      } catch (const std::exception& e) {
        spdlog::warn("redis: skipped erase marker {}: {}", entry.id, e.what());
      }
      continue;
    }
    if (const std::uint64_t number = entry.number(); number != 0) last_number_ = number;
    core::EventPtr event = decode(entry);
    if (!event) continue;
    {
      std::lock_guard lock(entries_mutex_);
      entries_[event->id] = entry.id;
      // Only events still in some instance's history can be erased usefully.
      while (entries_.size() > 2 * history_ + 16) entries_.erase(entries_.begin());
    }
    std::uint64_t seen = highest_id_.load();
    while (seen < event->id && !highest_id_.compare_exchange_weak(seen, event->id)) {
    }
    const auto now_ms = static_cast<std::int64_t>(now_us() / 1000);
    lag_ms_ = std::max<std::int64_t>(0, now_ms - event->ts_ms);
    deliver_(std::move(event));
  }
}

}  // namespace proof::store
