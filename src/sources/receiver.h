// What a verified source is: one platform's webhooks (Stripe, Shopify, WooCommerce, Lemon
// Squeezy, Standard Webhooks) behind one small interface. A receiver checks a delivery's
// signature with the clock passed in, and reads a verified delivery as at most one card,
// a take-back, or "nothing, because ...", with the keys it must be remembered by so that
// a retried delivery, or a second event about the same purchase, does nothing twice.
// Those keys, and whatever decides a take-back, come from what the platform signed: a
// header it does not sign is anyone's to change on a captured delivery.
// Everything here is pure: no sockets, no storage, no clock of its own. sources/intake.h
// does what a receiver's answer says.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/signup.h"

namespace proof::sources {

using Clock = std::chrono::system_clock;

/// A delivery's body may be this large (a real order with a long cart runs to hundreds of
/// KB); past it, 413.
inline constexpr std::size_t kMaxDeliveryBytes = std::size_t{1024} * 1024;

/// How far a signed timestamp (Stripe, Standard Webhooks) may lie in the past, and (for
/// Standard Webhooks) in the future: the platforms' own default.
inline constexpr std::chrono::seconds kTimestampTolerance{300};

/// One delivery as it reached /hooks/NAME: the body exactly as it came (signatures are over
/// these bytes) and the request's headers.
struct Delivery {
  std::string_view body;
  /// Names in lower case, values as sent; a header sent twice is here twice.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;  ///< lower case, parameters included

  /// The value of header `name` (lower case) when it was sent exactly once.
  std::optional<std::string_view> header(std::string_view name) const;
  /// How many times header `name` was sent.
  std::size_t count(std::string_view name) const;
};

/// Why a signature was not accepted, naming the step that failed and the likely cause, for
/// the 401's message and the operator's log. It never holds a secret.
struct BadSignature {
  std::string message;
};

/// A signature that matched, and which secret made it: its position among the receiver's
/// secrets, as given. WooCommerce's deletions name no site; the secret tells sites apart.
struct Verified {
  std::size_t secret = 0;
};

using Verification = std::variant<Verified, BadSignature>;

/// A purchase to show.
struct Card {
  core::Fields fields;  ///< POST /signup's fields (user_name, offer_name, city...), not yet checked
  /// Ids of this delivery (a retry repeats them) and keys of the purchase itself (a second
  /// event about the same order repeats them); the card is remembered by both.
  std::vector<std::string> delivery_keys;
  std::vector<std::string> order_keys;
  /// Keys that also find the card for a take-back that cannot name it by order_keys, held
  /// once it is shown unless already held, never claimed: another purchase holding one is
  /// not a duplicate (WooCommerce: the order under the secret that signed it).
  std::vector<std::string> lookup_keys{};
  /// Keys proof 0.1.0 remembered this order by (made with a header the platform does not
  /// sign), looked up but never written: a card under one makes this a duplicate. They
  /// lapse 7 days after an upgrade from 0.1.0; remove them a release later.
  std::vector<std::string> former_keys{};
  /// When the order last changed, by the signed body's own clock, for platforms that sign
  /// no timestamp: from Intake::kKeep ago or earlier, the delivery is a replay ("stale").
  std::optional<Clock::time_point> changed_at{};
};

/// A purchase refunded or cancelled: its card, if one was shown, is erased.
struct TakeBack {
  std::vector<std::string> delivery_keys;
  std::vector<std::string> order_keys;            ///< any of them finds the card
  std::vector<std::string> former_keys{};         ///< as Card's: looked up, never written
  std::optional<Clock::time_point> changed_at{};  ///< as Card's
};

/// Nothing to show, and why: "test", "unpaid", "event type", "ping", "partial refund"
/// (and from the intake, "stale", "duplicate", "no card").
struct Ignored {
  std::string reason;
};

/// Correctly signed, but not the JSON this platform sends: 400.
struct Malformed {
  std::string message;
};

using Meaning = std::variant<Card, TakeBack, Ignored, Malformed>;

/// What the request adds to a delivery.
struct ReadOptions {
  bool accept_test = false;  ///< --accept-test-events: test-mode data counts as real
  std::string offer{};       ///< ?offer=: what was bought, when the event does not say
  std::size_t secret = 0;    ///< which secret verified the delivery (Verified::secret)
};

class Receiver {
 public:
  virtual ~Receiver() = default;

  /// "stripe": the route (/hooks/stripe), the event's `source`, the metric's label.
  virtual std::string_view name() const = 0;

  /// A delivery that carries no signature by design and means nothing but "this URL
  /// works" (WooCommerce's creation ping): answered 200, nothing else done.
  virtual bool is_ping(const Delivery&) const { return false; }

  /// Checks the signature against each secret (two during a rotation): which one matched,
  /// or why none did.
  virtual Verification verify(const Delivery& delivery, Clock::time_point now) const = 0;

  /// What a verified delivery means.
  virtual Meaning read(const Delivery& delivery, const ReadOptions& options) const = 0;
};

/// A receiver for each source name with at least one secret.
struct Secrets {
  std::vector<std::string> stripe;        ///< --stripe-secret: whsec_..., used as given
  std::vector<std::string> shopify;       ///< --shopify-secret
  std::vector<std::string> woocommerce;   ///< --woocommerce-secret
  std::vector<std::string> lemonsqueezy;  ///< --lemonsqueezy-secret
  std::vector<std::string> standard;      ///< --webhook-secret: whsec_ + base64
};

/// Every source proof knows, in the order /admin lists them.
inline constexpr std::string_view kSourceNames[] = {"stripe", "shopify", "woocommerce",
                                                    "lemonsqueezy", "standard"};

/// Why `secret` cannot be `source`'s (a Stripe secret key pasted for the signing secret, a
/// Standard Webhooks key that is not base64), or nullopt. Never quotes the secret.
std::optional<std::string> secret_problem(std::string_view source, std::string_view secret);

/// The receivers of the sources that have secrets (each checked by secret_problem first).
std::vector<std::unique_ptr<Receiver>> make_receivers(const Secrets& secrets);

}  // namespace proof::sources
