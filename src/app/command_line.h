// argv to an Invocation: CLI11 declares a flag for every row of the settings table and the
// operator subcommands (send, erase, stats, check-config), splits argv, and hands the
// values to settings_sources and settings_check. Help, version and errors are printed here.
#pragma once

#include "app/config.h"

namespace proof::app {

/// Parses argv. Help, version and every error are printed here (to stdout or stderr, each
/// error line with its journald priority when stderr is the journal); then `exit_code`
/// (kExitOk or kExitBadSettings) tells main() to stop. For the server and check-config,
/// every setting the server would refuse at start is refused here.
Invocation parse_command_line(int argc, const char* const* argv);

}  // namespace proof::app
