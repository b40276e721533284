// worker_pool.h: a fixed number of threads, tasks in order, queued tasks finished on
// shutdown, nothing accepted after it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/worker_pool.h"

using namespace std::chrono_literals;
using proof::net::WorkerPool;

TEST_CASE("Worker pool: runs every task, on its fixed threads only", "[worker_pool]") {
  std::mutex mutex;
  std::set<std::thread::id> seen;
  std::atomic<int> done{0};
  {
    WorkerPool pool(3);
    CHECK(pool.threads() == 3);
    for (int i = 0; i < 200; ++i) {
      REQUIRE(pool.submit([&] {
        {
          std::lock_guard lock(mutex);
          seen.insert(std::this_thread::get_id());
        }
        done.fetch_add(1);
      }));
    }
    pool.shutdown();
  }
  CHECK(done.load() == 200);
  CHECK(seen.size() <= 3);
  CHECK(seen.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("Worker pool: one worker runs tasks in the order given", "[worker_pool]") {
  std::vector<int> order;
  WorkerPool pool(1);
  for (int i = 0; i < 50; ++i) pool.submit([&order, i] { order.push_back(i); });
  pool.shutdown();
  REQUIRE(order.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(order[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("Worker pool: a busy worker does not stop the others", "[worker_pool]") {
  WorkerPool pool(2);
  std::atomic<bool> release{false};
  std::atomic<bool> quick_done{false};
  pool.submit([&] {
    while (!release.load()) std::this_thread::sleep_for(1ms);
  });
  pool.submit([&] { quick_done = true; });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!quick_done.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  CHECK(quick_done.load());
  release = true;
}

TEST_CASE("Worker pool: shutdown finishes queued tasks and refuses new ones", "[worker_pool]") {
  std::atomic<int> done{0};
  WorkerPool pool(1);
  for (int i = 0; i < 20; ++i) {
    pool.submit([&] {
      std::this_thread::sleep_for(1ms);
      done.fetch_add(1);
    });
  }
  pool.shutdown();
  CHECK(done.load() == 20);
  CHECK_FALSE(pool.submit([&] { done.fetch_add(1); }));
  pool.shutdown();  // a second call is harmless
  CHECK(done.load() == 20);
}

TEST_CASE("Worker pool: the lanes take turns, so none waits behind another's queue",
          "[worker_pool]") {
  using proof::net::Lane;
  std::vector<char> order;
  WorkerPool pool(1);
  std::atomic<bool> running{false}, release{false};
  // Holds the one worker while the queues fill: a storm of 20 stream handshakes, a burst
  // of 10 webhook deliveries, then 3 requests (a POST, /healthz...).
  pool.submit([&] {
    running = true;
    while (!release.load()) std::this_thread::sleep_for(1ms);
  });
  while (!running.load()) std::this_thread::sleep_for(1ms);
  for (int i = 0; i < 20; ++i) pool.submit([&order] { order.push_back('s'); }, Lane::streams);
  for (int i = 0; i < 10; ++i) pool.submit([&order] { order.push_back('h'); }, Lane::hooks);
  for (int i = 0; i < 3; ++i) pool.submit([&order] { order.push_back('r'); }, Lane::requests);
  release = true;
  pool.shutdown();
  REQUIRE(order.size() == 33);
  // Each request waited for one task of each other lane at most, not for the 30 queued
  // before it. (The holder was a request, so the turn had passed to the streams.)
  CHECK(std::string(order.begin(), order.begin() + 9) == "shrshrshr");
  CHECK(std::count(order.begin(), order.end(), 's') == 20);
  // With the requests done, the two other lanes still alternate.
  CHECK(std::string(order.begin() + 9, order.begin() + 23) == "shshshshshshsh");
}
