// What a delivery to /hooks/NAME does, once its receiver has said what it means: a card is
// published once however often it is delivered (its keys are claimed first, atomically,
// across every instance sharing the key store), a take-back erases the card its order
// produced, once, and everything else is answered with why nothing was shown. A delivery
// whose signed body says its order last changed kKeep ago or earlier is a replay ("stale"):
// its keys may have lapsed, so it is judged by the clock passed in, not by the store. The
// endpoint in http/ only reads the request and writes the answer; this is tested without
// sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/key_store.h"
#include "core/publisher.h"
#include "core/refusal.h"
#include "sources/receiver.h"

namespace proof::sources {

/// How a delivery ended: the `outcome` label of proof_source_deliveries_total.
enum class DeliveryOutcome {
  kPublished,     ///< 202: a card
  kDuplicate,     ///< 200: this delivery, or this purchase, was seen already
  kIgnored,       ///< 200: test, unpaid, another event type, a ping, stale, a partial refund...
  kErased,        ///< 200: a refund or cancellation took its card back
  kBadSignature,  ///< 401
  kTooLarge,      ///< 413 (counted by the endpoint: the body never reached a receiver)
  kMalformed,     ///< 400: signed, but not what the platform sends
  kUnavailable,   ///< 503: the store or Redis could not take it; the platform retries
};

std::string_view outcome_label(DeliveryOutcome outcome);

/// Every outcome, in the order /metrics and /admin list them.
inline constexpr DeliveryOutcome kOutcomes[] = {
    DeliveryOutcome::kPublished, DeliveryOutcome::kDuplicate,    DeliveryOutcome::kIgnored,
    DeliveryOutcome::kErased,    DeliveryOutcome::kBadSignature, DeliveryOutcome::kTooLarge,
    DeliveryOutcome::kMalformed, DeliveryOutcome::kUnavailable};

struct Result {
  DeliveryOutcome outcome = DeliveryOutcome::kIgnored;
  int status = 200;  ///< the answer's status: a 2xx, or the refusal's
  std::string body;  ///< the JSON answer for a 2xx: {"id":N}, {"ignored":...}, {"erased":N}
  /// For a refusal (4xx, 5xx): the one shape every refusal has (core/refusal.h), with the
  /// reason /metrics counts, Retry-After for a 503 and the challenge for a 401.
  std::optional<core::Refusal> refusal;
  std::string reason;    ///< for the Sources panel: why it was ignored or refused
  std::string name;      ///< the name as the card shows it, when one was published
  std::uint64_t id = 0;  ///< the card published or erased
};

/// What the request adds: ?channel= and ?offer= (already checked), and who sent it.
struct Extras {
  std::string channel{};
  std::string offer{};
  std::string from{};  ///< client address, for the log
};

class Intake {
 public:
  /// How long a delivery's keys are kept: longer than any platform retries (Stripe and
  /// Paddle: 3 days), with room to spare. A body whose order last changed this long ago or
  /// more is stale.
  static constexpr std::chrono::hours kKeep{7 * 24};
  /// How long a claim waits for its card to be published before it lapses: longer than a
  /// request may take (the loop answers 503 after 4.5 s), short enough that a retry after
  /// a failure soon finds it gone (a claim can reach Redis after this instance gave up on
  /// it). Meanwhile the same delivery is answered 503, never "duplicate".
  static constexpr std::chrono::seconds kPending{15};

  Intake(core::Publisher& publisher, core::KeyStore& keys, bool accept_test)
      : publisher_(publisher), keys_(keys), accept_test_(accept_test) {}

  Result receive(const Receiver& receiver, const Delivery& delivery, const Extras& extras,
                 Clock::time_point now);

 private:
  Result publish(const Receiver& receiver, Card card, const Extras& extras, Clock::time_point now);
  Result take_back(const TakeBack& back, Clock::time_point now);

  core::Publisher& publisher_;
  core::KeyStore& keys_;
  bool accept_test_;
};

/// A key as the store holds it: namespaced ("hook:"), and a long one replaced by its
/// SHA-256 so that no platform id can make a key of unbounded size.
std::string store_key(std::string_view key);

}  // namespace proof::sources
