#include "store/redis_connection.h"

#include "core/shared_log.h"

namespace proof {

namespace {
constexpr std::chrono::milliseconds kRetryPause{500};
}  // namespace

redisContext* redis_connect(const RedisAddress& address, std::string& error) {
  redisContext* context =
      address.unix_path.empty()
          ? redisConnectWithTimeout(address.host.c_str(), address.port, kRedisCommandTimeout)
          : redisConnectUnixWithTimeout(address.unix_path.c_str(), kRedisCommandTimeout);
  if (context == nullptr) {
    error = "cannot allocate a Redis connection";
    return nullptr;
  }
  if (context->err) {
    error = context->errstr;
    redisFree(context);
    return nullptr;
  }
  redisSetTimeout(context, kRedisCommandTimeout);
  if (address.db != 0) {
    const RedisReply selected = redis_command(context, {"SELECT", std::to_string(address.db)});
    if (!selected || selected->type == REDIS_REPLY_ERROR) {
      error = selected ? redis_text(selected.get()) : context->errstr;
      redisFree(context);
      return nullptr;
    }
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

RedisCommands::~RedisCommands() {
  if (context_) redisFree(context_);
}

std::string RedisCommands::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void RedisCommands::set_error(const std::string& error) {
  std::lock_guard lock(error_mutex_);
  last_error_ = error;
}

RedisReply RedisCommands::run(const std::vector<std::string>& args) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!context_) {
    if (now < retry_after_) throw SharedLogError("Redis is unreachable: " + last_error());
    std::string error;
    context_ = redis_connect(address_, error);
    if (!context_) {
      retry_after_ = now + kRetryPause;
      set_error(error);
      throw SharedLogError("Redis is unreachable: " + error);
    }
  }
  RedisReply reply = redis_command(context_, args);
  if (!reply) {
    // The connection failed mid-command: whether Redis ran it is unknown, and the caller
    // is told it did not (a retried publish may then be added twice; never lost).
    const std::string error = context_->errstr;
    redisFree(context_);
    context_ = nullptr;
    retry_after_ = now + kRetryPause;
    set_error(error);
    throw SharedLogError("Redis failed: " + error);
  }
  if (reply->type == REDIS_REPLY_ERROR)
    throw SharedLogError("Redis refused: " + redis_text(reply.get()));
  return reply;
}

}  // namespace proof
