// The server's life: open what the settings ask for (the SQLite store, Redis, the key
// store), wire the hub, the counts and the HTTP server together, serve until a stop
// signal, then stop in order.
#include "app/serve.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>

#include "app/logging.h"
#include "app/notify.h"
#include "app/probes.h"
#include "app/process.h"
#include "app/settings_text.h"
#include "core/daily_stats.h"
#include "core/display_name.h"
#include "core/experiment.h"
#include "core/hourly_totals.h"
#include "core/hub.h"
#include "core/local_experiment.h"
#include "core/memory_key_store.h"
#include "core/metrics.h"
#include "core/presence.h"
#include "core/tallies.h"
#include "http/http_server.h"
#include "net/server.h"
#include "store/redis_address.h"
#include "store/redis_connection.h"
#include "store/redis_experiment.h"
#include "store/redis_key_store.h"
#include "store/redis_log.h"
#include "store/redis_tallies.h"
#include "store/sqlite_experiment_store.h"
#include "store/sqlite_key_store.h"
#include "store/sqlite_store.h"

namespace proof::app {

namespace {

http::HttpOptions http_options(const Settings& s) {
  http::HttpOptions o;
  o.bind = s.bind;
  o.port = s.port;
  o.api_key = s.api_key;
  o.allowed_origins = s.allowed_origins;
  o.public_dir = s.public_dir;
  o.history = s.history;
  o.heartbeat_seconds = s.heartbeat_seconds;
  o.max_subscribers = s.max_subscribers;
  o.max_subscribers_per_ip = s.max_subscribers_per_ip;
  o.trusted_proxies = s.trusted_proxies;
  o.max_publish_rate = s.max_publish_rate;
  // Settings checked the word already.
  o.display_name = core::parse_display_name(s.display_name).value_or(core::DisplayName::kInitial);
  o.presence_interval = s.presence_interval;
  o.threads = s.threads;
  o.tls_cert = s.tls_cert;
  o.tls_key = s.tls_key;
  o.hsts = s.hsts;
  o.http_port = s.http_port;
  o.acme_webroot = s.acme_webroot;
  o.secrets = {s.stripe_secrets, s.shopify_secrets, s.woocommerce_secrets, s.lemonsqueezy_secrets,
               s.webhook_secrets};
  o.accept_test_events = s.accept_test_events;
  return o;
}

/// What the settings ask to open before serving, in the order it must close: the SQLite
/// store (--data-dir) or Redis (--redis), the counts of /summary and /stats wherever they
/// live, and the key store of delivery ids and Idempotency-Keys.
struct Backends {
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<store::RedisCommands> redis_commands;
  std::unique_ptr<store::RedisLog> redis;
  core::PresenceExchange presence;  // before the tallies, whose thread uses it
  std::unique_ptr<core::DailyStats> daily;
  std::unique_ptr<core::HourlyTotals> hourly;
  std::unique_ptr<store::RedisTallies> redis_tallies;
  std::unique_ptr<core::Tallies> local_tallies;
  std::unique_ptr<core::KeyStore> keys;
  std::unique_ptr<store::SqliteExperimentStore> experiment_store;
  std::unique_ptr<core::Experiment> experiment;  ///< the holdout experiment, running or not
  bool refused = false;  ///< Redis refused the settings: exit as for bad settings

  core::Tallies& tallies() { return redis_tallies ? *redis_tallies : *local_tallies; }
};

/// Opens every backend; false, with the reason logged, when one cannot be. Starts no thread.
bool open_backends(const Settings& settings, Backends& b) {
  try {
    if (!settings.data_dir.empty()) {
      b.store = std::make_unique<store::EventStore>(settings.data_dir, settings.history,
                                                    std::chrono::seconds(settings.history_max_age));
    }
    if (const auto address = redis_address(settings)) {
      // Redis reached and saying no (a wrong password, an ACL without proof's keys) is a
      // mistake in the settings, said now; Redis away is waited for (/healthz says so).
      if (const RedisCheck check = check_redis(settings); check.refusal) {
        spdlog::error("redis: {}", *check.refusal);
        b.refused = true;
        return false;
      }
      const store::RedisKeys keys{settings.redis_prefix};
      b.redis_commands = std::make_unique<store::RedisCommands>(*address);
      b.redis = std::make_unique<store::RedisLog>(*b.redis_commands, keys, settings.history);
      b.redis_tallies = std::make_unique<store::RedisTallies>(*b.redis_commands, keys, b.presence);
      // Delivery ids are the service's, not one instance's: two instances receiving the
      // same delivery at once must publish one card.
      b.keys = std::make_unique<store::RedisKeyStore>(*b.redis_commands, keys);
      // Every instance assigns and counts alike: the secret and the counts are in Redis.
      b.experiment = std::make_unique<store::RedisExperiment>(*b.redis_commands, keys);
      if (b.store) {
        spdlog::warn(
            "--data-dir: with --redis the history, the counts and the delivery ids "
            "are kept in Redis, not in {}",
            settings.data_dir);
      }
      return true;
    }
    b.daily = std::make_unique<core::DailyStats>(b.store.get());
    b.hourly = std::make_unique<core::HourlyTotals>(b.store.get());
    b.local_tallies = std::make_unique<core::LocalTallies>(*b.daily, *b.hourly);
    if (b.store) {
      b.keys = std::make_unique<store::SqliteKeyStore>(settings.data_dir);
      b.experiment_store = std::make_unique<store::SqliteExperimentStore>(settings.data_dir);
    } else {
      b.keys = std::make_unique<core::MemoryKeyStore>();
    }
    b.experiment = std::make_unique<core::LocalExperiment>(b.experiment_store.get());
    return true;
  } catch (const core::Unavailable& e) {  // StoreError, KeyStoreError, ExperimentError
    spdlog::error("{}", e.what());
    return false;
  }
}

/// Continues the running experiment, or starts (or ends) one, as --holdout says. False,
/// with the reason logged, when --data-dir cannot be read; with Redis away, the experiment
/// starts when Redis comes back (maintain() retries), and meanwhile every page shows cards.
bool start_experiment(const Settings& settings, Backends& b) {
  try {
    b.experiment->start_or_continue(settings.holdout, std::chrono::system_clock::now());
  } catch (const core::ExperimentError& e) {
    if (!b.redis) {
      spdlog::error("{}", e.what());
      return false;
    }
    spdlog::warn("the holdout experiment starts once Redis is reachable: {}", e.what());
  }
  return true;
}

}  // namespace

int serve(Settings settings, const std::vector<std::string>& warnings) {
  // Before any thread starts: a stop signal must reach the signal thread, not a worker.
  block_stop_signals();
  // What proof creates (events.db under --data-dir) holds names: readable by its owner
  // only, also when started outside the systemd unit (whose UMask= does the same).
  ::umask(0077);
  setup_logging(settings.log_level);
  for (const auto& warning : warnings) spdlog::warn("{}", warning);
  raise_open_file_limit(settings.max_subscribers);

  Backends backends;
  if (!open_backends(settings, backends)) return backends.refused ? kExitBadSettings : kExitFailure;
  if (!start_experiment(settings, backends)) return kExitFailure;
  store::RedisLog* redis = backends.redis.get();
  core::Hub hub(settings.history, settings.max_subscribers, redis ? nullptr : backends.store.get(),
                redis);
  if (redis) {
    redis->start([&hub](core::EventPtr event) { hub.ingest(std::move(event)); },
                 [&hub](std::uint64_t id) { hub.erase_local(id); });
    backends.redis_tallies->start();
  }
  const auto stop_redis = [&] {
    if (!redis) return;
    redis->stop();                   // its thread feeds the hub, which is about to go
    backends.redis_tallies->stop();  // this instance's pages leave the shared count
  };
  core::Metrics metrics;
  if (settings.threads == 0) settings.threads = net::default_threads();
  const http::HttpOptions options = http_options(settings);
  http::HttpServer server(options, hub, metrics, backends.tallies(), *backends.keys,
                          *backends.experiment, redis ? &backends.presence : nullptr);
  core::Experiment& experiment = *backends.experiment;
  const SignalThread signals(SignalHandlers{
      .on_stop =
          [&server](int signal) {
            spdlog::info("signal {} received: closing streams and stopping", signal);
            notify_stopping();
            server.stop();
          },
      // systemctl reload, and certbot's deploy hook after a renewal.
      .on_reload = [&server] { server.reload_tls(); },
      // A day's visitor hashes and its salt go within a minute of the day's end.
      .on_minute = [&experiment] { experiment.maintain(std::chrono::system_clock::now()); }});
  if (!server.bind()) {
    stop_redis();
    return kExitFailure;
  }
  settings.port = server.port();
  spdlog::info("proof {} {}", kVersion, describe(settings));
  for (const auto& line : settings.secret_sources) spdlog::info("{}", line);
  // bind() leaves the socket listening: connections queue from here on, so systemd may
  // start what depends on proof before the accept loop runs.
  notify_ready(settings.port);

  server.run();
  stop_redis();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace proof::app
