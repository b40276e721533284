// proof: parse the settings, then serve (wiring the hub to the HTTP server until told to
// stop), or run one of the operator commands: `proof send`, `erase`, `stats`, `check-config`.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/erase.h"
#include "app/logging.h"
#include "app/notify.h"
#include "app/process.h"
#include "app/send.h"
#include "app/stats.h"
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

namespace {

int serve(proof::Settings settings, const std::vector<std::string>& warnings) {
  // Before any thread starts: a stop signal must reach StopSignals, not a worker.
  proof::block_stop_signals();
  // What proof creates (events.db under --data-dir) holds names: readable by its owner
  // only, also when started outside the systemd unit (whose UMask= does the same).
  ::umask(0077);
  proof::setup_logging(settings.log_level);
  for (const auto& warning : warnings) spdlog::warn("{}", warning);
  proof::raise_open_file_limit(settings.max_subscribers);

  std::unique_ptr<proof::EventStore> store;
  if (!settings.data_dir.empty()) {
    try {
      store = std::make_unique<proof::EventStore>(settings.data_dir, settings.history,
                                                  std::chrono::seconds(settings.history_max_age));
    } catch (const proof::StoreError& e) {
      spdlog::error("{}", e.what());
      return proof::kExitFailure;
    }
  }
  std::unique_ptr<proof::RedisCommands> redis_commands;
  std::unique_ptr<proof::RedisLog> redis;
  if (!settings.redis_url.empty()) {
    std::string error;
    const auto address = proof::parse_redis_url(settings.redis_url, error);
    if (!address) {
      spdlog::error("--redis: {}", error);
      return proof::kExitFailure;
    }
    redis_commands = std::make_unique<proof::RedisCommands>(*address);
    redis = std::make_unique<proof::RedisLog>(
        *redis_commands, proof::RedisKeys{settings.redis_prefix}, settings.history);
    if (store) {
      spdlog::warn(
          "--data-dir: with --redis the history and the counts are kept in Redis, "
          "not in {}",
          settings.data_dir);
    }
  }
  // The counts behind /summary and /stats: in Redis, summed over every instance, with
  // --redis; else in this process, and in --data-dir when one is given.
  std::unique_ptr<proof::DailyStats> daily;
  std::unique_ptr<proof::HourlyTotals> hourly;
  proof::PresenceExchange presence;  // before the tallies, whose thread uses it
  std::unique_ptr<proof::Tallies> tallies;
  proof::RedisTallies* shared_tallies = nullptr;
  if (redis) {
    auto shared = std::make_unique<proof::RedisTallies>(
        *redis_commands, proof::RedisKeys{settings.redis_prefix}, presence);
    shared_tallies = shared.get();
    tallies = std::move(shared);
  } else {
    try {
      daily = std::make_unique<proof::DailyStats>(store.get());
      hourly = std::make_unique<proof::HourlyTotals>(store.get());
    } catch (const proof::StoreError& e) {
      spdlog::error("{}", e.what());
      return proof::kExitFailure;
    }
    tallies = std::make_unique<proof::LocalTallies>(*daily, *hourly);
  }
  proof::Hub hub(settings.history, settings.max_subscribers, redis ? nullptr : store.get(),
                 redis.get());
  if (redis) {
    redis->start([&hub](proof::EventPtr event) { hub.ingest(std::move(event)); },
                 [&hub](std::uint64_t id) { hub.erase_local(id); });
    shared_tallies->start();
  }
  proof::Metrics metrics;
  proof::HttpServer server(settings, hub, metrics, *tallies, redis ? &presence : nullptr);
  const proof::StopSignals stop_signals([&server](int signal) {
    spdlog::info("signal {} received: closing streams and stopping", signal);
    proof::notify_stopping();
    server.stop();
  });
  const auto stop_redis = [&] {
    if (!redis) return;
    redis->stop();           // its thread feeds the hub, which is about to go
    shared_tallies->stop();  // this instance's pages leave the shared count
  };
  if (!server.bind()) {
    stop_redis();
    return proof::kExitFailure;
  }
  settings.port = server.port();
  spdlog::info("proof {} {}", proof::kVersion, proof::describe(settings));
  // bind() leaves the socket listening: connections queue from here on, so systemd may
  // start what depends on proof before the accept loop runs.
  proof::notify_ready(settings.port);

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

}  // namespace

int main(int argc, char** argv) {
  const proof::Invocation invocation = proof::parse_command_line(argc, argv);
  if (invocation.exit_code) return *invocation.exit_code;
  switch (invocation.command) {
    case proof::Command::send:
      return proof::send_signup(invocation.settings, invocation.target, invocation.send);
    case proof::Command::erase:
      return proof::erase_event(invocation.settings, invocation.target, invocation.erase_id);
    case proof::Command::stats:
      return proof::print_stats(invocation.settings, invocation.target, invocation.stats_days);
    case proof::Command::check_config:
      for (const auto& warning : invocation.warnings) {
        proof::report_early(proof::EarlyLevel::warning, warning);
      }
      std::cout << proof::to_config_text(invocation.settings);
      return proof::kExitOk;
    case proof::Command::serve:
      break;
  }
  return serve(invocation.settings, invocation.warnings);
}
