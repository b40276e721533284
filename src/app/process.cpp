#include "app/process.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <csignal>
#include <thread>

namespace proof {

namespace {

/// Sent to the signal thread itself to end its wait when no signal came.
constexpr int kWakeSignal = SIGUSR1;

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, kWakeSignal);
  return set;
}

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

StopSignals::StopSignals(std::function<void(int)> on_stop) {
  block_stop_signals();
  const sigset_t set = stop_set();
  thread_ = std::thread([this, set, on_stop = std::move(on_stop)] {
    int signal = 0;
    if (sigwait(&set, &signal) == 0 && signal != kWakeSignal) on_stop(signal);
    done_ = true;
  });
}

StopSignals::~StopSignals() {
  if (!done_) pthread_kill(thread_.native_handle(), kWakeSignal);
  thread_.join();
}

void raise_open_file_limit(std::size_t max_subscribers) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  const rlim_t needed = max_subscribers + 512;  // streams plus requests, logs, the listener
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    spdlog::warn(
        "open file limit {} is below the {} that --max-subscribers {} needs; raise it "
        "(LimitNOFILE= in the systemd unit, ulimit -n in a shell)",
        limit.rlim_cur, needed, max_subscribers);
  }
}

}  // namespace proof
