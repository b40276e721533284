#include "logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace proof {

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("proof");
  spdlog::set_default_logger(logger);
  const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  spdlog::set_pattern(journal ? "[%l] %v" : "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::warn);
}

}  // namespace proof
