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
  Impl(std::vector<Listener> l, LoopOptions o, core::Hub& hub, core::Metrics& metrics)
      : listeners(std::move(l)), options(std::move(o)), shared(listeners, options, hub, metrics) {
    const std::size_t count = std::max<std::size_t>(1, options.threads);
    for (std::size_t i = 0; i < count; ++i) {
      loops.push_back(std::make_unique<Loop>(shared));
      shared.loops.push_back(loops.back().get());
    }
  }

  std::vector<Listener> listeners;
  LoopOptions options;
  LoopShared shared;
  std::vector<std::unique_ptr<Loop>> loops;
};

EventLoop::EventLoop(std::vector<Listener> listeners, LoopOptions options, core::Hub& hub,
                     core::Metrics& metrics) {
  for (const Listener& listener : listeners) {
    fcntl(listener.fd, F_SETFL, fcntl(listener.fd, F_GETFL) | O_NONBLOCK);
  }
  impl_ = std::make_unique<Impl>(std::move(listeners), std::move(options), hub, metrics);
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
