#include "net/worker_pool.h"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>

namespace proof {

struct WorkerPool::State {
  Options options;
  mutable std::mutex mutex;
  std::condition_variable work_ready;  ///< an idle thread waits here for a task
  std::condition_variable all_gone;    ///< shutdown() waits here for threads to exit
  std::deque<std::function<void()>> tasks;
  std::size_t threads = 0;
  std::size_t idle = 0;
  bool stopping = false;
};

namespace {

void run_worker(const std::shared_ptr<WorkerPool::State>& state_ptr,
                std::function<void()> first_task);

struct ThreadStart {
  std::shared_ptr<WorkerPool::State> state;
  std::function<void()> task;
};

void* thread_main(void* arg) {
  std::unique_ptr<ThreadStart> start(static_cast<ThreadStart*>(arg));
  run_worker(start->state, std::move(start->task));
  return nullptr;
}

void run_worker(const std::shared_ptr<WorkerPool::State>& state_ptr,
                std::function<void()> first_task) {
  WorkerPool::State& state = *state_ptr;
  std::function<void()> task = std::move(first_task);
  for (;;) {
    task();
    task = nullptr;
    std::unique_lock lock(state.mutex);
    ++state.idle;
    const bool got_work = state.work_ready.wait_for(lock, state.options.idle_timeout, [&] {
      return !state.tasks.empty() || state.stopping;
    });
    --state.idle;
    if (!got_work || state.tasks.empty()) {
      --state.threads;
      if (state.threads == 0) state.all_gone.notify_all();
      return;
    }
    task = std::move(state.tasks.front());
    state.tasks.pop_front();
  }
}

}  // namespace

WorkerPool::WorkerPool(Options options) : state_(std::make_shared<State>()) {
  state_->options = options;
}

WorkerPool::~WorkerPool() = default;

/// Converts "accepted" into what the linked library's enqueue() returns (void or bool).
template <class R>
R as_enqueue_result(bool accepted) {
  if constexpr (std::is_void_v<R>) {
    static_cast<void>(accepted);
  } else {
    return accepted;
  }
}

EnqueueResult WorkerPool::enqueue(std::function<void()> fn) {
  return as_enqueue_result<EnqueueResult>(submit(std::move(fn)));
}

bool WorkerPool::submit(std::function<void()> fn) {
  std::unique_lock lock(state_->mutex);
  if (state_->stopping) return false;
  if (state_->idle > state_->tasks.size() || state_->threads >= state_->options.max_threads) {
    // An idle thread will take it, or we are at the cap and it waits its turn.
    state_->tasks.push_back(std::move(fn));
    lock.unlock();
    state_->work_ready.notify_one();
    return true;
  }
  ++state_->threads;
  lock.unlock();

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, state_->options.stack_bytes);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  auto* start = new ThreadStart{state_, std::move(fn)};
  pthread_t thread;
  const int rc = pthread_create(&thread, &attr, thread_main, start);
  pthread_attr_destroy(&attr);
  if (rc == 0) return true;

  // No thread to be had (out of memory or tasks limit): queue it for an existing thread.
  std::unique_ptr<ThreadStart> failed(start);
  lock.lock();
  --state_->threads;
  state_->tasks.push_back(std::move(failed->task));
  lock.unlock();
  state_->work_ready.notify_one();
  return true;
}

void WorkerPool::shutdown() {
  std::unique_lock lock(state_->mutex);
  state_->stopping = true;
  state_->work_ready.notify_all();
  state_->all_gone.wait_for(lock, state_->options.drain_timeout,
                            [&] { return state_->threads == 0; });
}

std::size_t WorkerPool::threads() const { return live_threads(*state_); }

std::size_t WorkerPool::live_threads(const State& state) {
  std::lock_guard lock(state.mutex);
  return state.threads;
}

}  // namespace proof
