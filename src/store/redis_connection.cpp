#include "store/redis_connection.h"

#include <algorithm>
#include <array>

#include "core/shared_log.h"

namespace proof::store {

namespace {

/// Redis wants a password and was given none: where one can come from.
std::string asks_for_password(const std::string& reply) {
  return "Redis asks for a password (" + reply +
         "): give it in the URL (redis://USER:PASSWORD@HOST), with --redis-password-file or in "
         "PROOF_REDIS_PASSWORD";
}

/// Sends one command of the connection's set-up (AUTH, SELECT); false with `error` set when
/// it fails. `refusal` words what Redis refused, for an operator.
bool set_up(redisContext* context, const std::vector<std::string>& args, std::string_view refusal,
            RedisConnectError& error) {
  const RedisReply reply = redis_command(context, args);
  if (!reply) {
    error.message = context->errstr;
    return false;
  }
  if (reply->type != REDIS_REPLY_ERROR) return true;
  const std::string text = redis_text(reply.get());
  error.message =
      text.starts_with("NOAUTH") ? asks_for_password(text) : std::string(refusal) + ": " + text;
  error.refused = true;
  return false;
}

/// Errors Redis gives while it is busy or between roles: worth waiting for, not a refusal.
bool transient(std::string_view error) {
  constexpr std::array<std::string_view, 5> kWords{"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN",
                                                   "CLUSTERDOWN"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [error](std::string_view word) { return error.starts_with(word); });
}

}  // namespace

RedisContext redis_connect(const RedisAddress& address, RedisConnectError& error) {
  error = {};
  RedisContext context(
      address.unix_path.empty()
          ? redisConnectWithTimeout(address.host.c_str(), address.port, kRedisCommandTimeout)
          : redisConnectUnixWithTimeout(address.unix_path.c_str(), kRedisCommandTimeout));
  if (!context) {
    error.message = "cannot allocate a Redis connection";
    return nullptr;
  }
  if (context->err) {
    error.message = context->errstr;
    return nullptr;
  }
  redisSetTimeout(context.get(), kRedisCommandTimeout);
  if (!address.password.empty()) {
    // AUTH user password (ACL, Redis 6+) or AUTH password (requirepass, the default user).
    std::vector<std::string> auth{"AUTH"};
    if (!address.user.empty()) auth.push_back(address.user);
    auth.push_back(address.password);
    const std::string refusal =
        address.user.empty() ? std::string("Redis refused the password (of the default user)")
                             : "Redis refused the password of user '" + address.user + "'";
    if (!set_up(context.get(), auth, refusal, error)) return nullptr;
  }
  if (address.db != 0 && !set_up(context.get(), {"SELECT", std::to_string(address.db)},
                                 "Redis refused database " + std::to_string(address.db), error)) {
    return nullptr;
  }
  return context;
}

RedisReply redis_command(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return RedisReply(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

std::string redis_text(const redisReply* reply) {
  return reply && reply->str ? std::string(reply->str, reply->len) : std::string();
}

std::int64_t redis_integer(const redisReply* reply) {
  if (!reply) return 0;
  if (reply->type == REDIS_REPLY_INTEGER) return reply->integer;
  if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
    try {
      return std::stoll(redis_text(reply));
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

std::chrono::milliseconds RedisBackoff::next() {
  const int doublings = std::min(failures_, 4);
  ++failures_;
  const long long longest = std::min(3000LL, 250LL << doublings);
  std::uniform_int_distribution<long long> pick(longest / 2, longest);
  return std::chrono::milliseconds(pick(random_));
}

std::string RedisCommands::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void RedisCommands::set_error(const std::string& error) {
  std::lock_guard lock(error_mutex_);
  last_error_ = error;
}

void RedisCommands::reconnect_now() {
  std::lock_guard lock(mutex_);
  context_.reset();
  retry_after_ = {};
  backoff_.reset();
}

RedisReply RedisCommands::run(const std::vector<std::string>& args) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!context_) {
    if (now < retry_after_) throw core::SharedLogError("Redis is unreachable: " + last_error());
    RedisConnectError error;
    context_ = redis_connect(address_, error);
    if (!context_) {
      retry_after_ = now + backoff_.next();
      set_error(error.message);
      throw core::SharedLogError(error.refused ? error.message
                                               : "Redis is unreachable: " + error.message);
    }
    backoff_.reset();
  }
  RedisReply reply = redis_command(context_.get(), args);
  if (!reply) {
    // The connection failed mid-command: whether Redis ran it is unknown, and the caller
    // is told it did not (a retried publish may then be added twice; never lost).
    const std::string error = context_->errstr;
    context_.reset();
    retry_after_ = now + backoff_.next();
    set_error(error);
    throw core::SharedLogError("Redis failed: " + error);
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    const std::string error = redis_text(reply.get());
    // A primary demoted to a replica by a failover: the next connection, resolved afresh,
    // may reach the new primary.
    if (error.starts_with("READONLY")) context_.reset();
    throw core::SharedLogError("Redis refused: " + error);
  }
  return reply;
}

RedisProbe probe_redis(const RedisAddress& address, const RedisKeys& keys) {
  RedisProbe probe;
  RedisConnectError error;
  const RedisContext context = redis_connect(address, error);
  if (!context) {
    probe.reached = error.refused;
    if (error.refused) {
      probe.refusal = error.message;
    } else {
      probe.problem = error.message;
    }
    return probe;
  }
  const RedisReply reply = redis_command(context.get(), {"GET", keys.last_id()});
  if (!reply) {
    probe.problem = context->errstr;
    return probe;
  }
  const std::string text = reply->type == REDIS_REPLY_ERROR ? redis_text(reply.get()) : "";
  if (transient(text)) {
    probe.problem = text;
    return probe;
  }
  probe.reached = true;
  if (text.empty()) return probe;
  if (text.starts_with("NOAUTH")) {
    probe.refusal = asks_for_password(text);
  } else if (text.starts_with("NOPERM")) {
    probe.refusal =
        "Redis does not let " +
        (address.user.empty() ? std::string("the default user") : "user '" + address.user + "'") +
        " read " + keys.last_id() + " (" + text +
        "): its ACL rule must allow proof's commands on the keys " + keys.prefix +
        ":* (the README gives the rule; redis-prefix must match it)";
  } else {
    probe.refusal = "Redis refused to read " + keys.last_id() + ": " + text;
  }
  return probe;
}

}  // namespace proof::store
