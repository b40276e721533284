#include "store/redis_experiment.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/encoding.h"
#include "core/shared_log.h"
#include "core/utc.h"

namespace proof::store {

namespace {

/// Continues the running experiment when its percentage is ARGV[1]; otherwise ends it (its
/// days summed into the previous one's final figures) and, unless ARGV[1] is 0, starts a
/// new one. Returns the running experiment's id, secret, percent, started, or nil.
/// KEYS: experiment, previous, days. ARGV: percent, new id, new secret, now (ms).
constexpr const char* kStartScript = R"lua(
local running = redis.call('HMGET', KEYS[1], 'id', 'secret', 'percent', 'started')
local percent = tonumber(ARGV[1])
if running[1] and tonumber(running[3]) == percent then return running end
if running[1] then
  local sums = {sv = 0, sc = 0, hv = 0, hc = 0}
  local days = redis.call('HGETALL', KEYS[3])
  for i = 1, #days, 2 do
    local figure = string.match(days[i], ':(%a%a)$')
    if sums[figure] then sums[figure] = sums[figure] + tonumber(days[i + 1]) end
  end
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[1])
  redis.call('HSET', KEYS[2], 'percent', running[3], 'started', running[4], 'ended', ARGV[4],
             'shown_visitors', sums.sv, 'shown_conversions', sums.sc,
             'holdout_visitors', sums.hv, 'holdout_conversions', sums.hc)
end
if percent == 0 then return false end
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'secret', ARGV[3], 'percent', ARGV[1],
           'started', ARGV[4])
return {ARGV[2], ARGV[3], ARGV[1], ARGV[4]}
)lua";

/// The day's salt: the one held, or ARGV[1], which then expires in ARGV[2] seconds.
/// KEYS: salt.
constexpr const char* kSaltScript = R"lua(
local salt = redis.call('GET', KEYS[1])
if salt then return salt end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]
)lua";

/// Counts one beacon: a visitor key new today adds a visitor of its arm (unless the day
/// holds ARGV[7] already: 'full'), a goal adds a conversion once a day. Refused ('stale')
/// when experiment ARGV[1] no longer runs: the arm was computed with its secret. The visitor
/// hash holds "0" (seen) or "1" (converted) per key, and "count" (the keys in it).
/// KEYS: experiment, days, visitors. ARGV: id, key, arm ("s"|"h"), goal ("1"|"0"), day,
/// ttl of the visitors hash (s), most visitors a day.
constexpr const char* kRecordScript = R"lua(
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 'stale' end
local seen = redis.call('HGET', KEYS[3], ARGV[2])
local goal = ARGV[4] == '1'
if seen == '1' or (seen and not goal) then return 'repeat' end
if not seen then
  if tonumber(redis.call('HGET', KEYS[3], 'count') or '0') >= tonumber(ARGV[7]) then
    return 'full'
  end
  redis.call('HINCRBY', KEYS[3], 'count', 1)
  redis.call('HINCRBY', KEYS[2], ARGV[5] .. ':' .. ARGV[3] .. 'v', 1)
end
redis.call('HSET', KEYS[3], ARGV[2], goal and '1' or '0')
redis.call('EXPIRE', KEYS[3], ARGV[6])
if goal then redis.call('HINCRBY', KEYS[2], ARGV[5] .. ':' .. ARGV[3] .. 'c', 1) end
return 'counted'
)lua";

/// Everything report() needs, read at one moment: the running experiment's percent and
/// start, the previous one's figures, the running one's days.
/// KEYS: experiment, previous, days.
constexpr const char* kReportScript = R"lua(
return {redis.call('HMGET', KEYS[1], 'percent', 'started'),
        redis.call('HMGET', KEYS[2], 'percent', 'started', 'ended', 'shown_visitors',
                   'shown_conversions', 'holdout_visitors', 'holdout_conversions'),
        redis.call('HGETALL', KEYS[3])}
)lua";

std::int64_t unix_ms(core::Experiment::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

core::Experiment::Clock::time_point from_unix_ms(std::int64_t n) {
  return core::Experiment::Clock::time_point(
      std::chrono::duration_cast<core::Experiment::Clock::duration>(std::chrono::milliseconds(n)));
}

bool is_nil(const redisReply* reply) {
  return reply == nullptr || reply->type == REDIS_REPLY_NIL;
}

std::uint64_t count_of(const redisReply* reply) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, redis_integer(reply)));
}

/// Seconds from `now` until `day`'s keys should go: the day's end plus the margin.
std::int64_t day_ttl(std::int64_t day, core::Experiment::Clock::time_point now) {
  const std::int64_t end = (day + 1) * 86400 + RedisExperiment::kDayMargin.count();
  const std::int64_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return std::max<std::int64_t>(1, end - seconds);
}

/// Runs one command; a Redis away or failing becomes an ExperimentError.
RedisReply run_or_fail(RedisCommands& commands, const std::vector<std::string>& args) {
  try {
    return commands.run(args);
  } catch (const core::SharedLogError& e) {
    throw core::ExperimentError(e.what());
  }
}

}  // namespace

RedisExperiment::RedisExperiment(RedisCommands& commands, RedisKeys keys,
                                 std::size_t max_visitors_per_day)
    : commands_(commands), keys_(std::move(keys)), max_visitors_(max_visitors_per_day) {}

std::optional<RedisExperiment::Running> RedisExperiment::parse_running(const redisReply* reply) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements < 4 ||
      is_nil(reply->element[0])) {
    return std::nullopt;
  }
  auto secret = core::from_hex(redis_text(reply->element[1]));
  if (!secret || secret->empty()) {
    throw core::ExperimentError("Redis holds an experiment without a secret");
  }
  return Running{redis_text(reply->element[0]), std::move(*secret),
                 static_cast<int>(redis_integer(reply->element[2]))};
}

void RedisExperiment::start_or_continue(int percent, Experiment::Clock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    pending_percent_ = percent;
  }
  const RedisReply reply =
      run_or_fail(commands_, {"EVAL", kStartScript, "3", keys_.experiment(),
                              keys_.experiment_previous(), keys_.experiment_days(),
                              std::to_string(percent), core::to_hex(core::random_bytes(8)),
                              core::to_hex(core::random_bytes(core::kExperimentSecretBytes)),
                              std::to_string(unix_ms(now))});
  auto running = parse_running(reply.get());
  std::lock_guard lock(mutex_);
  running_ = std::move(running);
  pending_percent_.reset();
}

void RedisExperiment::reload() {
  const RedisReply reply =
      run_or_fail(commands_, {"HMGET", keys_.experiment(), "id", "secret", "percent", "started"});
  auto running = parse_running(reply.get());
  std::lock_guard lock(mutex_);
  running_ = std::move(running);
}

std::optional<core::Arm> RedisExperiment::arm_of(std::string_view address,
                                                 std::string_view user_agent) {
  std::lock_guard lock(mutex_);
  if (!running_) return std::nullopt;
  return core::assign_arm(running_->secret, address, user_agent, running_->holdout_percent);
}

std::string RedisExperiment::salt_of(std::int64_t day, Experiment::Clock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    if (salt_day_ == day && !salt_.empty()) return salt_;
  }
  const RedisReply reply =
      run_or_fail(commands_, {"EVAL", kSaltScript, "1", keys_.experiment_salt(day),
                              core::to_hex(core::random_bytes(core::kExperimentSecretBytes)),
                              std::to_string(day_ttl(day, now))});
  auto salt = core::from_hex(redis_text(reply.get()));
  if (!salt || salt->empty()) {
    throw core::ExperimentError("Redis holds a day's salt that is not hex");
  }
  std::lock_guard lock(mutex_);
  salt_day_ = day;
  salt_ = *salt;
  return salt_;
}

core::Recorded RedisExperiment::record(std::string_view address, std::string_view user_agent,
                                       core::Visit visit, Experiment::Clock::time_point now) {
  const std::int64_t day = core::utc_day(now);
  // Twice at most: a count refused because another instance replaced the experiment is made
  // again under the one that runs now.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::optional<Running> running;
    {
      std::lock_guard lock(mutex_);
      running = running_;
    }
    if (!running) return core::Recorded::kOff;
    const std::string salt = salt_of(day, now);
    std::string key(8, '\0');
    const std::uint64_t number = core::visitor_key(salt, address, user_agent);
    for (std::size_t i = 0; i < 8; ++i) key[i] = static_cast<char>(number >> (56 - 8 * i));
    const core::Arm arm =
        core::assign_arm(running->secret, address, user_agent, running->holdout_percent);
    const RedisReply reply = run_or_fail(
        commands_,
        {"EVAL", kRecordScript, "3", keys_.experiment(), keys_.experiment_days(),
         keys_.experiment_visitors(running->id, day), running->id, core::to_hex(key),
         arm == core::Arm::kHoldout ? "h" : "s", visit == core::Visit::kGoal ? "1" : "0",
         std::to_string(day), std::to_string(day_ttl(day, now)), std::to_string(max_visitors_)});
    const std::string outcome = redis_text(reply.get());
    if (outcome == "counted") return core::Recorded::kCounted;
    if (outcome == "repeat") return core::Recorded::kRepeat;
    if (outcome == "full") {
      std::lock_guard lock(mutex_);
      ++not_counted_;
      return core::Recorded::kFull;
    }
    reload();  // "stale"
  }
  throw core::ExperimentError("the experiment changed twice while counting a visit; retry");
}

core::ExperimentReport RedisExperiment::report(Experiment::Clock::time_point /*now*/) {
  const RedisReply reply =
      run_or_fail(commands_, {"EVAL", kReportScript, "3", keys_.experiment(),
                              keys_.experiment_previous(), keys_.experiment_days()});
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements != 2 ||
      reply->element[1]->type != REDIS_REPLY_ARRAY || reply->element[1]->elements != 7 ||
      reply->element[2]->type != REDIS_REPLY_ARRAY) {
    throw core::ExperimentError("Redis gave an unexpected answer for the experiment");
  }
  core::ExperimentReport out;
  const redisReply* running = reply->element[0];
  if (!is_nil(running->element[0])) {
    core::ExperimentSummary current{static_cast<int>(redis_integer(running->element[0])),
                                    from_unix_ms(redis_integer(running->element[1])),
                                    std::nullopt,
                                    {},
                                    {}};
    const redisReply* days = reply->element[2];
    for (std::size_t i = 0; i + 1 < days->elements; i += 2) {
      const std::string field = redis_text(days->element[i]);
      const std::uint64_t n = count_of(days->element[i + 1]);
      const std::string figure = field.size() > 3 ? field.substr(field.size() - 3) : "";
      if (figure == ":sv") current.shown.visitors += n;
      if (figure == ":sc") current.shown.conversions += n;
      if (figure == ":hv") current.holdout.visitors += n;
      if (figure == ":hc") current.holdout.conversions += n;
    }
    out.current = current;
  }
  const redisReply* previous = reply->element[1];
  if (!is_nil(previous->element[0])) {
    out.previous =
        core::ExperimentSummary{static_cast<int>(redis_integer(previous->element[0])),
                                from_unix_ms(redis_integer(previous->element[1])),
                                from_unix_ms(redis_integer(previous->element[2])),
                                {count_of(previous->element[3]), count_of(previous->element[4])},
                                {count_of(previous->element[5]), count_of(previous->element[6])}};
  }
  return out;
}

void RedisExperiment::maintain(Experiment::Clock::time_point now) {
  std::optional<int> pending;
  {
    std::lock_guard lock(mutex_);
    pending = pending_percent_;
    // The day's salt is Redis's, expiring there; this copy goes with the day too.
    if (salt_day_ < core::utc_day(now)) salt_.clear();
  }
  try {
    if (pending) {
      start_or_continue(*pending, now);
      spdlog::info("redis: the holdout experiment is set up ({} %)", *pending);
    } else {
      reload();
    }
  } catch (const core::ExperimentError& e) {
    spdlog::debug("redis: could not read the holdout experiment: {}", e.what());
  }
}

std::uint64_t RedisExperiment::visitors_not_counted() const {
  std::lock_guard lock(mutex_);
  return not_counted_;
}

}  // namespace proof::store
