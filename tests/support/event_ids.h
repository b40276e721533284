// The ids of a list of events, in order: what the replay and history tests compare.
#pragma once

#include <cstdint>
#include <vector>

#include "core/event_log.h"

namespace proof::test {

inline std::vector<std::uint64_t> ids(const std::vector<core::EventPtr>& events) {
  std::vector<std::uint64_t> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(e->id);
  return out;
}

}  // namespace proof::test
