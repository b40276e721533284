#include "logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace proof {

namespace {

/// The `%*` flag: the sd-daemon(3) priority prefix for the message's level.
class SyslogPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* prefix = "<6>";  // LOG_INFO
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: prefix = "<7>"; break;     // LOG_DEBUG
      case spdlog::level::info: prefix = "<6>"; break;      // LOG_INFO
      case spdlog::level::warn: prefix = "<4>"; break;      // LOG_WARNING
      case spdlog::level::err: prefix = "<3>"; break;       // LOG_ERR
      case spdlog::level::critical: prefix = "<2>"; break;  // LOG_CRIT
      default: break;
    }
    dest.append(prefix, prefix + 3);
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriority>();
  }
};

}  // namespace

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  return st.st_dev == device && st.st_ino == inode;
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("proof");
  spdlog::set_default_logger(logger);
  if (stderr_is_journal()) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriority>('*').set_pattern("%*%v");
    spdlog::set_formatter(std::move(formatter));
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::warn);
}

}  // namespace proof
