#include "sources/intake.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>

#include "core/digest.h"
#include "core/encoding.h"
#include "core/hub.h"
#include "core/shared_log.h"
#include "core/unavailable.h"

namespace proof::sources {

namespace {

constexpr std::string_view kPendingValue = "pending";
constexpr std::string_view kTakenValue = "taken";
constexpr std::size_t kMaxKeyBytes = 200;

std::string card_value(const core::CardRef& card) {
  return "card " + std::to_string(card.id) + " " + std::to_string(card.ts_ms) + " " + card.channel;
}

std::optional<core::CardRef> parse_card_value(std::string_view value) {
  if (!value.starts_with("card ")) return std::nullopt;
  std::istringstream in{std::string(value.substr(5))};
  core::CardRef card;
  if (!(in >> card.id >> card.ts_ms)) return std::nullopt;
  in >> card.channel;  // none for an event without a channel
  return card;
}

std::vector<std::string> store_keys(const std::vector<std::string>& a,
                                    const std::vector<std::string>& b = {}) {
  std::vector<std::string> out;
  out.reserve(a.size() + b.size());
  for (const auto* list : {&a, &b}) {
    for (const auto& key : *list) out.push_back(store_key(key));
  }
  return out;
}

Result answer(DeliveryOutcome outcome, int status, const nlohmann::json& body,
              std::string reason = {}) {
  Result r;
  r.outcome = outcome;
  r.status = status;
  r.body = body.dump() + "\n";
  r.reason = std::move(reason);
  return r;
}

Result refused(DeliveryOutcome outcome, core::Refusal refusal) {
  Result r;
  r.outcome = outcome;
  r.status = refusal.status;
  r.reason = refusal.message;
  r.refusal = std::move(refusal);
  return r;
}

/// Signed, but not what this platform sends: 400.
Result malformed(std::string message) {
  return refused(
      DeliveryOutcome::kMalformed,
      {.status = 400, .reason = core::RejectReason::kMalformed, .message = std::move(message)});
}

Result unavailable(const core::Unavailable& e) {
  spdlog::error("a verified delivery could not be handled now: {}", e.what());
  return refused(DeliveryOutcome::kUnavailable, core::unavailable_refusal(e, "nothing was shown"));
}

Result in_progress() {
  return refused(DeliveryOutcome::kUnavailable,
                 {.status = 503,
                  .reason = core::RejectReason::kUnavailable,
                  .message = "this purchase is being published right now; retry later",
                  .retry_after = 5});
}

Result ignored(std::string reason) {
  return answer(DeliveryOutcome::kIgnored, 200, {{"ignored", reason}}, reason);
}

Result duplicate() {
  return answer(DeliveryOutcome::kDuplicate, 200, {{"ignored", "duplicate"}}, "duplicate");
}

/// Whether a body that says its order last changed at `changed` is a replay: the keys of any
/// delivery about it from that time have lapsed, or are about to. Platforms that sign a
/// timestamp give none here; their signature's age is checked instead.
bool is_stale(const std::optional<Clock::time_point>& changed, Clock::time_point now) {
  return changed && now - *changed >= Intake::kKeep;
}

/// How long keys are kept: kKeep, and as much longer as the body's time lies ahead of this
/// server's clock (bounded), so that a replay is still remembered until it is stale.
std::chrono::seconds keep_for(const std::optional<Clock::time_point>& changed,
                              Clock::time_point now) {
  const std::chrono::seconds keep = Intake::kKeep;
  if (!changed || *changed <= now) return keep;
  return keep + std::min(std::chrono::duration_cast<std::chrono::seconds>(*changed - now) +
                             std::chrono::seconds(1),
                         keep);
}

/// The key that says card `id` was taken back, whichever of its keys found it.
std::string taken_key(std::uint64_t id) {
  return store_key("card:" + std::to_string(id));
}

}  // namespace

std::string_view outcome_label(DeliveryOutcome outcome) {
  switch (outcome) {
    case DeliveryOutcome::kPublished:
      return "published";
    case DeliveryOutcome::kDuplicate:
      return "duplicate";
    case DeliveryOutcome::kIgnored:
      return "ignored";
    case DeliveryOutcome::kErased:
      return "erased";
    case DeliveryOutcome::kBadSignature:
      return "bad_signature";
    case DeliveryOutcome::kTooLarge:
      return "too_large";
    case DeliveryOutcome::kMalformed:
      return "malformed";
    case DeliveryOutcome::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

std::string store_key(std::string_view key) {
  if (key.size() <= kMaxKeyBytes) return "hook:" + std::string(key);
  return "hook:sha256:" + core::to_hex(core::sha256(key));
}

Result Intake::receive(const Receiver& receiver, const Delivery& delivery, const Extras& extras,
                       Clock::time_point now) {
  if (receiver.is_ping(delivery)) return ignored("ping");
  const Verification verified = receiver.verify(delivery, now);
  if (const auto* bad = std::get_if<BadSignature>(&verified)) {
    // RFC 9110 wants a challenge with every 401: the scheme is the platform's signature.
    return refused(DeliveryOutcome::kBadSignature,
                   {.status = 401,
                    .reason = core::RejectReason::kBadSignature,
                    .message = bad->message,
                    .challenge = "Signature source=\"" + std::string(receiver.name()) + "\""});
  }
  Meaning meaning = receiver.read(delivery, {.accept_test = accept_test_,
                                             .offer = extras.offer,
                                             .secret = std::get<Verified>(verified).secret});
  if (auto* card = std::get_if<Card>(&meaning)) {
    if (is_stale(card->changed_at, now)) return ignored("stale");
    return publish(receiver, std::move(*card), extras, now);
  }
  if (const auto* back = std::get_if<TakeBack>(&meaning)) {
    if (is_stale(back->changed_at, now)) return ignored("stale");
    return take_back(*back, now);
  }
  if (const auto* skip = std::get_if<Ignored>(&meaning)) return ignored(skip->reason);
  return malformed(std::get<Malformed>(meaning).message);
}

Result Intake::publish(const Receiver& receiver, Card card, const Extras& extras,
                       Clock::time_point now) {
  if (!extras.channel.empty()) card.fields["channel"] = extras.channel;
  card.fields["kind"] =
      core::kind_name(core::EventKind::kPurchase);  // before validate(): no offer default
  auto validated = core::validate(card.fields);
  if (const auto* invalid = std::get_if<core::Refusal>(&validated)) {
    return malformed(invalid->message);
  }
  core::Signup& signup = std::get<core::Signup>(validated);
  signup.source = std::string(receiver.name());
  const std::vector<std::string> keys = store_keys(card.delivery_keys, card.order_keys);
  const std::chrono::seconds keep = keep_for(card.changed_at, now);
  try {
    for (const std::string& key : store_keys(card.former_keys)) {
      if (const auto held = keys_.get(key, now)) {
        return *held == kPendingValue ? in_progress() : duplicate();
      }
    }
    if (const auto held = keys_.claim(keys, kPendingValue, kPending, now)) {
      // Being published right now (the same delivery on another instance, or a claim that
      // reached Redis only after this instance gave up on it): not a duplicate yet. The
      // platform retries; by then it is a card (duplicate) or the claim has lapsed.
      if (*held == kPendingValue) return in_progress();
      return duplicate();
    }
  } catch (const core::KeyStoreError& e) {
    return unavailable(e);
  }
  core::EventPtr event;
  try {
    event = publisher_.publish(std::move(signup), extras.from);
  } catch (const core::Unavailable& e) {  // StoreError, SharedLogError
    try {
      keys_.forget(keys);  // so that the platform's retry can publish it
    } catch (const core::KeyStoreError& forget_error) {
      spdlog::warn("could not release a delivery's keys ({}); they lapse in {} s",
                   forget_error.what(), kPending.count());
    }
    return unavailable(e);
  }
  try {
    const std::string value = card_value({event->id, event->ts_ms, event->signup.channel});
    keys_.put(keys, value, keep, now);
    // Each only if free: another site's order may hold it (a secret shared by two sites).
    for (const std::string& key : store_keys(card.lookup_keys)) {
      keys_.claim(std::span(&key, 1), value, keep, now);
    }
  } catch (const core::KeyStoreError& e) {
    // Published, but not remembered: a retry after the claim lapses would show it again.
    spdlog::warn("published event {} but could not remember its delivery: {}", event->id, e.what());
  }
  Result r = answer(DeliveryOutcome::kPublished, 202, {{"id", event->id}});
  r.name = event->signup.user_name;
  r.id = event->id;
  return r;
}

Result Intake::take_back(const TakeBack& back, Clock::time_point now) {
  const std::vector<std::string> delivery = store_keys(back.delivery_keys);
  const std::vector<std::string> orders = store_keys(back.order_keys);
  const std::chrono::seconds keep = keep_for(back.changed_at, now);
  try {
    if (!delivery.empty() && keys_.claim(delivery, kTakenValue, keep, now)) return duplicate();
    std::optional<core::CardRef> card;
    bool taken = false;
    for (const std::string& key : store_keys(back.order_keys, back.former_keys)) {
      const auto value = keys_.get(key, now);
      if (!value) continue;
      if (*value == kTakenValue) taken = true;
      if (*value == kPendingValue) {
        // The card is being published right now (a refund racing its own sale): let the
        // platform come back once it is.
        keys_.forget(delivery);
        return in_progress();
      }
      if (auto found = parse_card_value(*value)) card = found;
    }
    // Held from now on, so that a late delivery of the sale itself shows nothing.
    if (!orders.empty()) keys_.put(orders, kTakenValue, keep, now);
    if (!card) return taken ? duplicate() : ignored("no card");
    // Once only, whichever of its keys found it (WooCommerce finds a card by its site's key
    // or, for a deletion, by its secret's): a second erasure would uncount it twice.
    const std::string erased = taken_key(card->id);
    if (keys_.claim(std::span(&erased, 1), kTakenValue, keep, now)) return duplicate();
    try {
      publisher_.erase(card->id, card);
    } catch (const core::Unavailable& e) {
      keys_.put(orders, card_value(*card), keep, now);  // so that a retry finds it again
      keys_.forget(std::span(&erased, 1));
      keys_.forget(delivery);
      return unavailable(e);
    }
    Result r = answer(DeliveryOutcome::kErased, 200, {{"erased", card->id}});
    r.id = card->id;
    return r;
  } catch (const core::KeyStoreError& e) {
    return unavailable(e);
  }
}

}  // namespace proof::sources
