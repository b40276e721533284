#include "core/publisher.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace proof::core {

EventPtr Publisher::publish(Signup signup, std::string_view from) {
  signup.user_name = reduce_name(signup.user_name, names_);
  EventPtr event = hub_.publish(std::move(signup));
  metrics_.published();
  tallies_.count_published(event->signup.channel, event->signup.kind,
                           std::chrono::system_clock::now());
  if (event->signup.source.empty()) {
    spdlog::info("published event {} from {}", event->id, from);
  } else {
    spdlog::info("published event {} from {} (verified: {})", event->id, from,
                 event->signup.source);
  }
  spdlog::debug("event {}: {}", event->id, event->json);
  return event;
}

bool Publisher::erase(std::uint64_t id, const std::optional<CardRef>& known) {
  std::optional<CardRef> card = known;
  if (const EventPtr held = hub_.find(id)) {
    card = CardRef{id, held->ts_ms, held->signup.channel, held->signup.kind};
  }
  if (!card) return false;
  hub_.erase(id);
  const auto accepted =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(card->ts_ms));
  tallies_.uncount_published(card->channel, card->kind, accepted);
  return true;
}

}  // namespace proof::core
