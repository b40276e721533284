// spdlog set-up: one logger to stderr, with a pattern that suits a terminal or the journal.
#pragma once

#include <string>

namespace proof {

/// Sets the default logger's level (a name from --log-level) and pattern. Under systemd
/// (JOURNAL_STREAM set) the journal adds time and process, so the pattern omits them.
void setup_logging(const std::string& level);

}  // namespace proof
