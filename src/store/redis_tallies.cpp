#include "store/redis_tallies.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <string_view>

#include "core/shared_log.h"
#include "core/utc.h"

namespace proof::store {

namespace {

/// Adds cards shown and clicks to one day. KEYS: day. ARGV: shown, clicks, day TTL.
constexpr const char* kCardsScript = R"lua(
if ARGV[1] ~= '0' then redis.call('HINCRBY', KEYS[1], 'shown', ARGV[1]) end
if ARGV[2] ~= '0' then redis.call('HINCRBY', KEYS[1], 'clicks', ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 'OK'
)lua";

/// Renews this instance's lease and writes its open pages, all channels in one field (so the
/// commands per exchange do not grow with the number of channels); forgets instances whose
/// lease ran out (by Redis's clock, so machines' clocks need not agree); raises today's peak
/// with everyone's pages together; returns the other live instances' fields, which the
/// caller adds up (that work, which does grow with channels, is kept out of Redis).
/// A field is "TOTAL CHANNEL COUNT CHANNEL COUNT ...": channel names have no spaces.
/// KEYS: pages, instances, today. ARGV: instance, lease ms, day TTL, this instance's field.
constexpr const char* kPresenceScript = R"lua(
local me = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), me)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
local alive = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do alive[id] = true end
redis.call('HSET', KEYS[1], me, ARGV[4])
local others = {}
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if not alive[fields[i]] then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    total = total + tonumber(string.match(fields[i + 1], '^%d+') or '0')
    if fields[i] ~= me then others[#others + 1] = fields[i + 1] end
  end
end
if total > tonumber(redis.call('HGET', KEYS[3], 'peak_pages') or '0') then
  redis.call('HSET', KEYS[3], 'peak_pages', total)
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
return others
)lua";

/// Takes this instance's pages out of the count. KEYS: pages, instances. ARGV: instance.
constexpr const char* kLeaveScript = R"lua(
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 'OK'
)lua";

/// An erased event leaves its hour (overall and on its channel, and for a purchase their
/// '+' fields, as the append script counted it) and its day; a count already at zero stays
/// there. KEYS: hour, day. ARGV: channel ("" for none), kind.
constexpr const char* kUncountScript = R"lua(
local function down(key, field)
  if tonumber(redis.call('HGET', key, field) or '0') > 0 then
    redis.call('HINCRBY', key, field, -1)
  end
end
local purchase = ARGV[2] == 'purchase'
down(KEYS[1], '*')
if ARGV[1] ~= '' then down(KEYS[1], ARGV[1]) end
if purchase then
  down(KEYS[1], '+*')
  if ARGV[1] ~= '' then down(KEYS[1], '+' .. ARGV[1]) end
end
down(KEYS[2], 'published')
if purchase then down(KEYS[2], 'purchases') end
return 'OK'
)lua";

/// The sums of one field and of its purchases ('+' in front) over the hour keys.
/// KEYS: hours. ARGV: field.
constexpr const char* kAcceptedScript = R"lua(
local all, purchases = 0, 0
for _, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, ARGV[1], '+' .. ARGV[1])
  all = all + tonumber(v[1] or '0')
  purchases = purchases + tonumber(v[2] or '0')
end
return {all, purchases}
)lua";

/// Five numbers per day key, in the order of DayCounts. KEYS: days.
constexpr const char* kDaysScript = R"lua(
local out = {}
for _, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'published', 'shown', 'clicks', 'peak_pages', 'purchases')
  for i = 1, 5 do out[#out + 1] = tonumber(v[i] or '0') end
end
return out
)lua";

std::string random_instance_name() {
  std::random_device random;
  return fmt::format("{:08x}{:08x}", random(), random());
}

/// This instance's open pages as one field of PREFIX:pages: "TOTAL CHANNEL COUNT ...".
std::string pages_field(const core::PresenceExchange::Counts& local) {
  std::size_t total = 0;
  std::string channels;
  for (const auto& [channel, count] : local) {
    if (count == 0) continue;
    if (channel.empty()) {
      total = count;
    } else {
      channels += fmt::format(" {} {}", channel, count);
    }
  }
  return std::to_string(total) + channels;
}

/// Adds another instance's field to `sums` (the total under "*"); skips what it cannot read.
void add_pages_field(std::string_view field, std::map<std::string, std::size_t>& sums) {
  std::vector<std::string_view> words;
  while (!field.empty()) {
    const auto space = field.find(' ');
    words.push_back(field.substr(0, space));
    field = space == std::string_view::npos ? std::string_view() : field.substr(space + 1);
  }
  const auto number = [](std::string_view text) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && end == text.data() + text.size() ? value : 0;
  };
  if (words.empty()) return;
  sums[kAllChannels] += number(words[0]);
  for (std::size_t i = 1; i + 1 < words.size(); i += 2) {
    sums[std::string(words[i])] += number(words[i + 1]);
  }
}

}  // namespace

RedisTallies::RedisTallies(RedisCommands& commands, RedisKeys keys,
                           core::PresenceExchange& presence)
    : commands_(commands),
      keys_(std::move(keys)),
      presence_(presence),
      instance_(random_instance_name()) {}

RedisTallies::~RedisTallies() {
  stop();
}

void RedisTallies::start() {
  thread_ = std::thread([this] { run(); });
}

void RedisTallies::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (!thread_.joinable()) return;
  thread_.join();
  try {
    send_cards();
    commands_.run({"EVAL", kLeaveScript, "2", keys_.pages(), keys_.instances(), instance_});
  } catch (const core::SharedLogError& e) {
    spdlog::warn("redis: could not take this instance's counts out at stop: {}", e.what());
  }
}

void RedisTallies::run() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    share();
    lock.lock();
    wake_.wait_for(lock, kShareEvery, [this] { return stopping_; });
  }
}

void RedisTallies::send_cards() {
  std::map<std::int64_t, CardCounts> batch;
  {
    std::lock_guard lock(pending_mutex_);
    batch.swap(pending_);
  }
  for (auto it = batch.begin(); it != batch.end(); it = batch.erase(it)) {
    try {
      commands_.run({"EVAL", kCardsScript, "1", keys_.day(it->first),
                     std::to_string(it->second.shown), std::to_string(it->second.clicks),
                     std::to_string(kDayKeySeconds)});
    } catch (const core::SharedLogError&) {
      // Kept for the next exchange (a connection lost mid-script may count them twice).
      std::lock_guard lock(pending_mutex_);
      for (; it != batch.end(); ++it) {
        pending_[it->first].shown += it->second.shown;
        pending_[it->first].clicks += it->second.clicks;
      }
      throw;
    }
  }
}

void RedisTallies::share() {
  const auto now = std::chrono::steady_clock::now();
  try {
    send_cards();
    const RedisReply reply =
        commands_.run({"EVAL", kPresenceScript, "3", keys_.pages(), keys_.instances(),
                       keys_.day(core::utc_day(Clock::now())), instance_,
                       std::to_string(std::chrono::milliseconds(kLease).count()),
                       std::to_string(kDayKeySeconds), pages_field(presence_.local())});
    std::map<std::string, std::size_t> sums;
    if (reply->type == REDIS_REPLY_ARRAY) {
      for (std::size_t i = 0; i < reply->elements; ++i) {
        add_pages_field(redis_text(reply->element[i]), sums);
      }
    }
    core::PresenceExchange::Counts others;
    for (auto& [channel, count] : sums) {
      if (count > 0) others.emplace_back(channel == kAllChannels ? std::string() : channel, count);
    }
    presence_.post_remote(std::move(others));
    last_shared_ = now;
    if (reported_down_) spdlog::info("redis: sharing counts again");
    reported_down_ = false;
  } catch (const core::SharedLogError& e) {
    if (!reported_down_) spdlog::warn("redis: could not share counts: {}", e.what());
    reported_down_ = true;
    // Without news for a lease, the others' pages are not counted: they may be gone.
    if (now - last_shared_ > kLease) presence_.post_remote({});
  }
}

void RedisTallies::count_published(const std::string& /*channel*/, core::EventKind /*kind*/,
                                   Clock::time_point /*now*/) {}

void RedisTallies::uncount_published(const std::string& channel, core::EventKind kind,
                                     Clock::time_point accepted) {
  const std::int64_t hour = core::utc_hour(accepted);
  try {
    commands_.run({"EVAL", kUncountScript, "2", keys_.hour(hour),
                   keys_.day(core::utc_day(accepted)), channel,
                   std::string(core::kind_name(kind))});
  } catch (const core::SharedLogError& e) {
    // The erasure itself is done; the totals keep one too many until the day ends.
    spdlog::warn("redis: could not take an erased event out of the totals: {}", e.what());
  }
}

void RedisTallies::count_shown(Clock::time_point now) {
  std::lock_guard lock(pending_mutex_);
  ++pending_[core::utc_day(now)].shown;
}

void RedisTallies::count_click(Clock::time_point now) {
  std::lock_guard lock(pending_mutex_);
  ++pending_[core::utc_day(now)].clicks;
}

void RedisTallies::observe_pages(std::size_t /*open*/, Clock::time_point /*now*/) {}

std::uint64_t RedisTallies::accepted(int hours, const std::string& channel, core::KindFilter kind,
                                     Clock::time_point now) {
  const std::int64_t current = core::utc_hour(now);
  std::vector<std::string> args{"EVAL", kAcceptedScript, std::to_string(hours)};
  for (std::int64_t hour = current - hours + 1; hour <= current; ++hour) {
    args.push_back(keys_.hour(hour));
  }
  args.push_back(channel.empty() ? kAllChannels : channel);
  const RedisReply reply = commands_.run(args);
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
    throw core::SharedLogError("Redis gave an unexpected answer for the hourly counts");
  }
  const auto all =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, redis_integer(reply->element[0])));
  const auto purchases =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, redis_integer(reply->element[1])));
  if (!kind) return all;
  if (*kind == core::EventKind::kPurchase) return purchases;
  return all > purchases ? all - purchases : 0;
}

std::vector<core::DayRecord> RedisTallies::days(std::size_t n, Clock::time_point now) {
  n = std::min(n, core::DailyStats::kKeepDays);
  const std::int64_t today = core::utc_day(now);
  const std::int64_t first = today - static_cast<std::int64_t>(n) + 1;
  std::vector<std::string> args{"EVAL", kDaysScript, std::to_string(n)};
  for (std::int64_t day = first; day <= today; ++day) args.push_back(keys_.day(day));
  const RedisReply reply = commands_.run(args);
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 5 * n) {
    throw core::SharedLogError("Redis gave an unexpected answer for the daily counts");
  }
  std::vector<core::DayRecord> out;
  out.reserve(n);
  std::lock_guard lock(pending_mutex_);  // this instance's cards not sent yet count too
  for (std::size_t i = 0; i < n; ++i) {
    core::DayRecord record{first + static_cast<std::int64_t>(i), {}};
    const auto value = [&](std::size_t k) {
      return static_cast<std::uint64_t>(
          std::max<std::int64_t>(0, redis_integer(reply->element[5 * i + k])));
    };
    record.counts = {value(0), value(1), value(2), value(3), value(4)};
    if (const auto it = pending_.find(record.day); it != pending_.end()) {
      record.counts.shown += it->second.shown;
      record.counts.clicks += it->second.clicks;
    }
    out.push_back(record);
  }
  return out;
}

}  // namespace proof::store
