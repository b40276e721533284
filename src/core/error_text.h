// The text of an errno value, for log lines and refusals written by any thread.
#pragma once

#include <string>

namespace proof::core {

/// strerror(errnum) as a string, safe to call from any thread: std::strerror may write its
/// answer into one buffer shared by every thread (the event loops, the workers and the Redis
/// reader all report socket errors).
std::string error_text(int errnum);

}  // namespace proof::core
