// Process-wide concerns of a long-running server: stop signals and the open-file limit.
#pragma once

#include <cstddef>
#include <functional>

namespace proof {

/// Blocks SIGTERM and SIGINT in the calling thread (and so in every thread it starts
/// afterwards), then starts a detached thread that calls `on_stop` with the first one to
/// arrive. Call it before any other thread exists.
void handle_stop_signals(std::function<void(int)> on_stop);

/// Raises the soft limit on open files to the hard limit: each stream is a socket.
/// Warns when even that is below what `max_subscribers` needs.
void raise_open_file_limit(std::size_t max_subscribers);

}  // namespace proof
