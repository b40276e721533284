// spdlog set-up: one logger to stderr, with a pattern that suits a terminal or the journal.
#pragma once

#include <string>

namespace proof::app {

/// Sets the default logger's level (a name from --log-level) and pattern. When stderr is
/// the journal (systemd's JOURNAL_STREAM names it), each line starts with its syslog
/// priority, `<6>` for info, which journald strips and stores; the journal adds the time
/// and process itself, so the pattern leaves them out.
void setup_logging(const std::string& level);

/// True when stderr is connected to the journal, going by JOURNAL_STREAM ("device:inode"
/// of the stream systemd set up; a child whose stderr was redirected inherits the variable
/// but not the stream, so the variable alone is not enough).
bool stderr_is_journal();

enum class EarlyLevel { error, warning };

/// Prints "proof: MESSAGE" to stderr for what happens before setup_logging (bad settings),
/// with the journal's priority prefix (<3> error, <4> warning) when stderr is the journal,
/// so that `journalctl -p warning` shows why a service did not start.
void report_early(EarlyLevel level, const std::string& message);

}  // namespace proof::app
