// The server's life: open what the settings ask for (the SQLite store, Redis), wire the hub,
// the counts and the HTTP server together, serve until a stop signal, then stop in order.
#include "app/serve.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <memory>

#include "app/logging.h"
#include "app/notify.h"
#include "app/process.h"
#include "core/daily_stats.h"
#include "core/hourly_totals.h"
#include "core/hub.h"
#include "core/metrics.h"
#include "core/presence.h"
#include "core/tallies.h"
#include "http/http_server.h"
#include "store/redis_address.h"
#include "store/redis_connection.h"
#include "store/redis_log.h"
#include "store/redis_tallies.h"
#include "store/sqlite_store.h"

namespace proof {

int serve(Settings settings, const std::vector<std::string>& warnings) {
  // Before any thread starts: a stop signal must reach StopSignals, not a worker.
  block_stop_signals();
  // What proof creates (events.db under --data-dir) holds names: readable by its owner
  // only, also when started outside the systemd unit (whose UMask= does the same).
  ::umask(0077);
  setup_logging(settings.log_level);
  for (const auto& warning : warnings) spdlog::warn("{}", warning);
  raise_open_file_limit(settings.max_subscribers);

  std::unique_ptr<EventStore> store;
  if (!settings.data_dir.empty()) {
    try {
      store = std::make_unique<EventStore>(settings.data_dir, settings.history,
                                           std::chrono::seconds(settings.history_max_age));
    } catch (const StoreError& e) {
      spdlog::error("{}", e.what());
      return kExitFailure;
    }
  }
  std::unique_ptr<RedisCommands> redis_commands;
  std::unique_ptr<RedisLog> redis;
  if (!settings.redis_url.empty()) {
    std::string error;
    const auto address = parse_redis_url(settings.redis_url, error);
    if (!address) {
      spdlog::error("--redis: {}", error);
      return kExitFailure;
    }
    redis_commands = std::make_unique<RedisCommands>(*address);
    redis = std::make_unique<RedisLog>(*redis_commands, RedisKeys{settings.redis_prefix},
                                       settings.history);
    if (store) {
      spdlog::warn(
          "--data-dir: with --redis the history and the counts are kept in Redis, "
          "not in {}",
          settings.data_dir);
    }
  }
  // The counts behind /summary and /stats: in Redis, summed over every instance, with
  // --redis; else in this process, and in --data-dir when one is given.
  std::unique_ptr<DailyStats> daily;
  std::unique_ptr<HourlyTotals> hourly;
  PresenceExchange presence;  // before the tallies, whose thread uses it
  std::unique_ptr<Tallies> tallies;
  RedisTallies* shared_tallies = nullptr;
  if (redis) {
    auto shared =
        std::make_unique<RedisTallies>(*redis_commands, RedisKeys{settings.redis_prefix}, presence);
    shared_tallies = shared.get();
    tallies = std::move(shared);
  } else {
    try {
      daily = std::make_unique<DailyStats>(store.get());
      hourly = std::make_unique<HourlyTotals>(store.get());
    } catch (const StoreError& e) {
      spdlog::error("{}", e.what());
      return kExitFailure;
    }
    tallies = std::make_unique<LocalTallies>(*daily, *hourly);
  }
  Hub hub(settings.history, settings.max_subscribers, redis ? nullptr : store.get(), redis.get());
  if (redis) {
    redis->start([&hub](EventPtr event) { hub.ingest(std::move(event)); },
                 [&hub](std::uint64_t id) { hub.erase_local(id); });
    shared_tallies->start();
  }
  Metrics metrics;
  HttpServer server(settings, hub, metrics, *tallies, redis ? &presence : nullptr);
  const StopSignals stop_signals([&server](int signal) {
    spdlog::info("signal {} received: closing streams and stopping", signal);
    notify_stopping();
    server.stop();
  });
  const auto stop_redis = [&] {
    if (!redis) return;
    redis->stop();           // its thread feeds the hub, which is about to go
    shared_tallies->stop();  // this instance's pages leave the shared count
  };
  if (!server.bind()) {
    stop_redis();
    return kExitFailure;
  }
  settings.port = server.port();
  spdlog::info("proof {} {}", kVersion, describe(settings));
  // bind() leaves the socket listening: connections queue from here on, so systemd may
  // start what depends on proof before the accept loop runs.
  notify_ready(settings.port);

  const bool drained = server.run();
  stop_redis();
  spdlog::info("stopped");
  if (!drained) {
    // A worker is still inside a request (a slow client mid-read): do not wait for it or
    // destroy what it uses; the kernel closes its socket as the process ends.
    spdlog::shutdown();
    std::_Exit(EXIT_SUCCESS);
  }
  return EXIT_SUCCESS;
}

}  // namespace proof
