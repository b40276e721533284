#include "app/process.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <thread>

namespace proof::app {

namespace {

/// Sent to the signal thread itself to end its wait when no signal came.
constexpr int kWakeSignal = SIGUSR1;

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, kWakeSignal);
  return set;
}

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalThread::SignalThread(SignalHandlers handlers) {
  block_stop_signals();
  thread_ = std::thread([this, handlers = std::move(handlers)] {
    const sigset_t set = stop_set();
    const timespec minute{60, 0};
    for (;;) {
      // sigtimedwait rather than sigwait: a minute without a signal is the upkeep's tick.
      const int signal = sigtimedwait(&set, nullptr, &minute);
      if (signal < 0) {
        if (errno == EAGAIN && handlers.on_minute) handlers.on_minute();
        continue;  // EAGAIN (the minute), or EINTR
      }
      if (signal == kWakeSignal) break;
      if (signal == SIGHUP) {
        if (handlers.on_reload) handlers.on_reload();
        continue;
      }
      handlers.on_stop(signal);
      break;
    }
    done_ = true;
  });
}

SignalThread::~SignalThread() {
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

}  // namespace proof::app
