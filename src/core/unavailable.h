// "Not now": what every store and shared backend throws when it cannot do what was asked at
// this moment (the disk, SQLite, Redis away or too slow). One base, so a caller catches one
// type, and one way it becomes the client's 503: what is away, what was not done, and
// when to try again.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "core/refusal.h"

namespace proof::core {

struct Unavailable : std::runtime_error {
  /// `detail` is for the operator's log (it names the file, the address, the error);
  /// `part` names what is away in the words a client is told ("the store", "the shared
  /// history (Redis)"); `retry_after` is how many seconds a client should wait.
  Unavailable(const std::string& detail, std::string_view away, int retry_seconds)
      : std::runtime_error(detail), part(away), retry_after(retry_seconds) {}

  std::string_view part;
  int retry_after;
};

/// The 503 for `e`: "PART is unavailable now; NOT_DONE, retry later" (`not_done` says what
/// did not happen, such as "nothing was broadcast"; empty when there is nothing to add),
/// with Retry-After.
Refusal unavailable_refusal(const Unavailable& e, std::string_view not_done = {});

}  // namespace proof::core
