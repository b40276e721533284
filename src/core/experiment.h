// The holdout experiment (issue 33, `--holdout PERCENT`): a share of visitors sees no card,
// and proof compares how often each group converts. This header is what the HTTP layer
// wires: which arm a visitor is in (a keyed hash of address and User-Agent, recomputed on
// every request: nothing is stored on the visitor's device or about the visitor), counting
// the beacons of visitor-days, and the report GET /stats shows.
//
// Privacy: the arm needs only the experiment's secret. Distinct visitors within a UTC day
// are told apart by a hash salted with a key of that day alone; the salt and the day's
// hashes are thrown away when the day ends (and at start, when they are from an earlier
// day), so nothing kept past the day links a count to a visitor, and no address, User-Agent
// or unsalted hash of them is written anywhere. What outlives the day is counts.
//
// Implementations: core/local_experiment.h (memory, and --data-dir through an
// ExperimentStore: store/sqlite_experiment_store.h), store/redis_experiment.h (--redis:
// every instance assigns and counts alike).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/experiment_stats.h"
#include "core/unavailable.h"

namespace proof::core {

/// The two groups: visitors who see cards, and those held out, who see none.
enum class Arm { kShown, kHoldout };

/// "shown" or "holdout", as `event: arm` and GET /stats write them.
const char* arm_name(Arm arm);

/// The largest --holdout: past half, the cards would be the experiment's minority.
inline constexpr int kMaxHoldoutPercent = 50;

/// Bytes of an experiment's secret and of a day's salt.
inline constexpr std::size_t kExperimentSecretBytes = 32;

/// `bytes` bytes from the operating system's CSPRNG (getrandom). Throws std::runtime_error
/// if it cannot give them (it can always on Linux 3.17 and later once booted).
std::string random_bytes(std::size_t bytes);

/// The arm of the visitor (`address`, `user_agent`) in the experiment with `secret`:
/// HMAC-SHA256(secret, address + "\n" + user_agent), its first 8 bytes read as a
/// big-endian unsigned number, mod 10,000; below `holdout_percent` × 100 is the holdout.
/// Pure: the same inputs always give the same arm, on every instance.
Arm assign_arm(std::string_view secret, std::string_view address, std::string_view user_agent,
               int holdout_percent);

/// The key that tells one visitor from another within a day: the first 8 bytes of
/// HMAC-SHA256(day salt, address + "\n" + user_agent), big-endian. Without the salt it
/// says nothing about the visitor; the salt is gone with the day.
std::uint64_t visitor_key(std::string_view day_salt, std::string_view address,
                          std::string_view user_agent);

/// What a beacon of the experiment says: a page view, or a goal reached (an order confirmed).
enum class Visit { kView, kGoal };

/// What record() did with a beacon.
enum class Recorded {
  kOff,      ///< no experiment is running: nothing counted
  kCounted,  ///< a visitor new today, or a first goal today: counted
  kRepeat,   ///< this visitor was counted today already (and had converted, for a goal)
  kFull,     ///< today's visitors reached Experiment::kMaxVisitorsPerDay: not counted
};

/// One experiment's totals over its days, and what they say.
struct ExperimentSummary {
  int holdout_percent = 0;
  std::chrono::system_clock::time_point started;
  /// When it ended (the percentage changed, or --holdout 0); nullopt while it runs.
  std::optional<std::chrono::system_clock::time_point> ended;
  ArmCounts shown;
  ArmCounts holdout;

  /// The difference, lift and visitor-days needed of these counts.
  ExperimentFigures figures() const { return experiment_figures(shown, holdout, holdout_percent); }
};

/// What GET /stats reports: the running experiment, and the last finished one.
struct ExperimentReport {
  std::optional<ExperimentSummary> current;   ///< nullopt while none runs (--holdout 0)
  std::optional<ExperimentSummary> previous;  ///< the last one that ended, final figures
};

/// GET /stats's "experiment": null when no experiment has ever run. Otherwise the running
/// experiment, or, while none runs, the last finished one (then with "ended"):
///   {"holdout_percent": 10, "started": "2026-12-05T14:00:00Z",
///    "arms": {"shown": {"visitors": V, "conversions": C}, "holdout": {...}},
///    "difference": {"estimate": E, "low": L, "high": H} | null, "lift": {...} | null,
///    "visitors_needed": N | null}
/// and, while one runs after another ended, "previous": the finished one in the same shape
/// with "ended". Numbers are unrounded doubles; times are UTC, to the second.
nlohmann::json experiment_json(const ExperimentReport& report);

/// "2026-12-05T14:00:00Z".
std::string iso_utc(std::chrono::system_clock::time_point t);

/// The experiment's backend could not be read or written now (a --data-dir write failed,
/// Redis is away): nothing was counted or changed. The HTTP layer answers 503.
struct ExperimentError : Unavailable {
  explicit ExperimentError(const std::string& detail)
      : Unavailable(detail, "the experiment's store", 2) {}
};

/// The experiment of one proof service. Thread-safe: request workers call it at once.
class Experiment {
 public:
  using Clock = std::chrono::system_clock;

  /// Distinct visitors counted per UTC day at most (in memory, about 40 bytes each: 10 MB;
  /// in SQLite and Redis a row or field each). Past it, new visitors of the day are not
  /// counted (record() says kFull, visitors_not_counted() counts them) while those counted
  /// already still convert: a flood of forged visitors costs bounded memory. Both arms stop
  /// alike (the arm does not depend on when a visitor comes), so the figures stay unbiased,
  /// only based on fewer visitors that day.
  static constexpr std::size_t kMaxVisitorsPerDay = 250000;

  virtual ~Experiment() = default;

  /// At server start, with --holdout: the same percentage as the running experiment
  /// continues it (same secret: nobody's arm changes across a restart); another one ends
  /// it (its figures kept as the previous experiment's) and, unless `percent` is 0, starts
  /// a new experiment with a new secret and counts from zero. 0 with none running changes
  /// nothing, so the previous results stay readable. Throws ExperimentError.
  virtual void start_or_continue(int percent, Clock::time_point now) = 0;

  /// The visitor's arm, or nullopt while no experiment runs (then every page shows cards and
  /// no `event: arm` is sent).
  virtual std::optional<Arm> arm_of(std::string_view address, std::string_view user_agent) = 0;

  /// Counts a beacon of the visitor (`address`, `user_agent`) in its arm, for `now`'s UTC
  /// day: a visitor new today adds one visitor (and one conversion for a goal); a known one
  /// adds a conversion on its first goal of the day and nothing else. Throws ExperimentError
  /// (nothing counted).
  virtual Recorded record(std::string_view address, std::string_view user_agent, Visit visit,
                          Clock::time_point now) = 0;

  /// The running and the last finished experiment, totals over their days. Throws
  /// ExperimentError.
  virtual ExperimentReport report(Clock::time_point now) = 0;

  /// Call about once a minute (a timer): when `now` is past the day the visitors were
  /// counted in, throws the day's salt and visitor hashes away (memory, disk), so that none
  /// outlives its day by more than that; with Redis, also takes up an experiment another
  /// instance started and retries a start_or_continue() that failed. Never throws: a
  /// failure is logged and tried again on the next call.
  virtual void maintain(Clock::time_point now) = 0;

  /// Visitors not counted because the day's bound was reached, since the start (metrics).
  virtual std::uint64_t visitors_not_counted() const = 0;
};

}  // namespace proof::core
