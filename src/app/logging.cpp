#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace proof::app {

namespace {

/// The sd-daemon(3) prefix journald reads a line's priority from.
const char* syslog_prefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "<7>";  // LOG_DEBUG
    case spdlog::level::warn:
      return "<4>";  // LOG_WARNING
    case spdlog::level::err:
      return "<3>";  // LOG_ERR
    case spdlog::level::critical:
      return "<2>";  // LOG_CRIT
    default:
      return "<6>";  // LOG_INFO
  }
}

/// The `%*` flag: the message's syslog priority prefix.
class SyslogPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* prefix = syslog_prefix(msg.level);
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

void report_early(EarlyLevel level, const std::string& message) {
  const char* prefix = "";
  if (stderr_is_journal()) prefix = level == EarlyLevel::error ? "<3>" : "<4>";
  std::cerr << prefix << "proof: " << (level == EarlyLevel::warning ? "warning: " : "") << message
            << std::endl;
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

}  // namespace proof::app
