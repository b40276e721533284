#include "net/server.h"

#include <fcntl.h>
#include <sched.h>

#include <algorithm>
#include <thread>

#include "net/loop.h"

namespace proof::net {

std::size_t default_threads() {
  constexpr std::size_t kMaxDefault = 8;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const int usable = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::max(usable, 1)), 1, kMaxDefault);
}

struct EventLoop::Impl {
  Impl(int listen_fd, LoopOptions o, RequestHandler& handler, Hub& hub, Metrics& metrics)
      : options(std::move(o)), shared(listen_fd, options, handler, hub, metrics) {
    const std::size_t count = std::max<std::size_t>(1, options.threads);
    for (std::size_t i = 0; i < count; ++i) {
      loops.push_back(std::make_unique<Loop>(shared));
      shared.loops.push_back(loops.back().get());
    }
  }

  LoopOptions options;
  LoopShared shared;
  std::vector<std::unique_ptr<Loop>> loops;
};

EventLoop::EventLoop(int listen_fd, LoopOptions options, RequestHandler& handler, Hub& hub,
                     Metrics& metrics) {
  fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
  impl_ = std::make_unique<Impl>(listen_fd, std::move(options), handler, hub, metrics);
  // A publish (on a worker, or the Redis reader) wakes every loop; each reads the hub.
  hub.set_listener([&shared = impl_->shared] {
    for (Loop* loop : shared.loops) loop->wake(true);
  });
}

EventLoop::~EventLoop() {
  impl_->shared.hub.set_listener(nullptr);
  impl_->shared.pool.shutdown();
}

void EventLoop::run() {
  Impl& d = *impl_;
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < d.loops.size(); ++i) {
    threads.emplace_back([loop = d.loops[i].get()] { loop->run(); });
  }
  d.loops.front()->run();
  for (auto& thread : threads) thread.join();
  // Every loop has ended its streams and stopped taking requests: let the workers finish
  // what they hold, then write those answers and close everything.
  d.shared.pool.shutdown();
  for (auto& loop : d.loops) loop->finish();
}

void EventLoop::stop() {
  impl_->shared.stopping = true;
  for (Loop* loop : impl_->shared.loops) loop->wake(false);
}

}  // namespace proof::net
