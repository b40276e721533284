// worker_pool.h: the thread-per-stream pool that makes threads on demand and lets idle
// ones go. Tasks only touch state they share by shared_ptr, so a task that outlives a
// test case (the drain test leaves one behind on purpose) never touches freed memory.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "net/worker_pool.h"

using namespace std::chrono_literals;
using proof::WorkerPool;
using Clock = std::chrono::steady_clock;

namespace {

/// Tasks report that they started and block until the test opens the gate.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  int started = 0;
  int finished = 0;
  bool open = false;

  void enter_and_wait(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    ++started;
    cv.notify_all();
    cv.wait_for(lock, limit, [&] { return open; });
    ++finished;
    cv.notify_all();
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
  /// Waits until `pred` holds (checked under the lock) or `limit` passes.
  template <class Pred>
  bool wait_until(Pred pred, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, [&] { return pred(*this); });
  }
};

/// Polls `pred` until it holds or `limit` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

WorkerPool::Options quick_options() {
  WorkerPool::Options o;
  o.idle_timeout = 100ms;
  o.drain_timeout = 2000ms;
  o.stack_bytes = 256 * 1024;
  return o;
}

}  // namespace

TEST_CASE("WorkerPool: enqueued tasks run", "[worker_pool]") {
  WorkerPool pool(quick_options());
  auto count = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 200; ++i) pool.enqueue([count] { count->fetch_add(1); });
  CHECK(eventually([&] { return count->load() == 200; }, 5s));
  pool.shutdown();
  CHECK(count->load() == 200);
}

TEST_CASE("WorkerPool: 64 tasks that block on each other all run at once", "[worker_pool]") {
  // A fixed pool of 8 would deadlock here: the 9th task would never start, and the
  // first 8 wait for it. Every stream holds its task, so this is the SSE case.
  constexpr int kTasks = 64;
  WorkerPool pool(quick_options());
  auto gate = std::make_shared<Gate>();
  auto saw_all = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < kTasks; ++i) {
    pool.enqueue([gate, saw_all] {
      std::unique_lock lock(gate->mutex);
      ++gate->started;
      gate->cv.notify_all();
      if (gate->cv.wait_for(lock, 5s, [&] { return gate->started == kTasks; })) saw_all->fetch_add(1);
    });
  }
  CHECK(gate->wait_until([](Gate& g) { return g.started == kTasks; }, 10s));
  CHECK(pool.threads() >= static_cast<std::size_t>(kTasks));
  CHECK(eventually([&] { return saw_all->load() == kTasks; }, 10s));
  pool.shutdown();
}

TEST_CASE("WorkerPool: idle threads go away after idle_timeout", "[worker_pool]") {
  WorkerPool pool(quick_options());
  auto gate = std::make_shared<Gate>();
  for (int i = 0; i < 6; ++i) pool.enqueue([gate] { gate->enter_and_wait(5s); });
  REQUIRE(gate->wait_until([](Gate& g) { return g.started == 6; }, 5s));
  CHECK(pool.threads() == 6);
  gate->release();
  REQUIRE(gate->wait_until([](Gate& g) { return g.finished == 6; }, 5s));
  // Finished but still within idle_timeout: the threads wait for more work a moment...
  CHECK(pool.threads() >= 1);
  // ...then leave, so memory follows the number of open streams.
  CHECK(eventually([&] { return pool.threads() == 0; }, 3s));

  // The pool still works after shrinking to nothing.
  auto ran = std::make_shared<std::atomic<bool>>(false);
  pool.enqueue([ran] { *ran = true; });
  CHECK(eventually([&] { return ran->load(); }, 5s));
  pool.shutdown();
}

TEST_CASE("WorkerPool: an idle thread is reused instead of making a new one", "[worker_pool]") {
  auto options = quick_options();
  options.idle_timeout = 5000ms;
  WorkerPool pool(options);
  auto count = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 20; ++i) {
    pool.enqueue([count] { count->fetch_add(1); });
    REQUIRE(eventually([&] { return count->load() == i + 1; }, 5s));
    std::this_thread::sleep_for(2ms);  // let the worker get back to waiting
  }
  CHECK(pool.threads() <= 2);
  pool.shutdown();
}

TEST_CASE("WorkerPool: shutdown waits for running tasks to finish", "[worker_pool][shutdown]") {
  WorkerPool pool(quick_options());  // drain_timeout 2 s
  auto done = std::make_shared<std::atomic<bool>>(false);
  auto started = std::make_shared<std::atomic<bool>>(false);
  pool.enqueue([done, started] {
    *started = true;
    std::this_thread::sleep_for(300ms);
    *done = true;
  });
  REQUIRE(eventually([&] { return started->load(); }, 5s));
  pool.shutdown();
  CHECK(done->load());
  CHECK(pool.threads() == 0);
}

TEST_CASE("WorkerPool: shutdown gives up after drain_timeout on a task that blocks", "[worker_pool][shutdown]") {
  auto options = quick_options();
  options.drain_timeout = 300ms;
  WorkerPool pool(options);
  auto gate = std::make_shared<Gate>();
  pool.enqueue([gate] { gate->enter_and_wait(10s); });
  REQUIRE(gate->wait_until([](Gate& g) { return g.started == 1; }, 5s));
  const auto t0 = Clock::now();
  pool.shutdown();
  const auto took = Clock::now() - t0;
  CHECK(took >= 250ms);
  CHECK(took < 2s);
  CHECK(pool.threads() == 1);  // still running: shutdown did not pretend otherwise
  gate->release();             // let it end; it holds only shared state
  CHECK(eventually([&] { return pool.threads() == 0; }, 5s));
}

TEST_CASE("WorkerPool: no task runs once shutdown has begun", "[worker_pool][shutdown]") {
  WorkerPool pool(quick_options());
  pool.shutdown();
  auto ran = std::make_shared<std::atomic<bool>>(false);
  pool.enqueue([ran] { *ran = true; });
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(ran->load());
  CHECK(pool.threads() == 0);
}

TEST_CASE("WorkerPool: at max_threads a further task waits for a free thread", "[worker_pool]") {
  auto options = quick_options();
  options.max_threads = 2;
  WorkerPool pool(options);
  auto first = std::make_shared<Gate>();
  auto third_ran = std::make_shared<std::atomic<bool>>(false);
  pool.enqueue([first] { first->enter_and_wait(10s); });
  pool.enqueue([first] { first->enter_and_wait(10s); });
  REQUIRE(first->wait_until([](Gate& g) { return g.started == 2; }, 5s));
  pool.enqueue([third_ran] { *third_ran = true; });
  std::this_thread::sleep_for(200ms);
  CHECK_FALSE(third_ran->load());
  CHECK(pool.threads() == 2);
  first->release();
  CHECK(eventually([&] { return third_ran->load(); }, 5s));
  CHECK(pool.threads() <= 2);
  pool.shutdown();
}
