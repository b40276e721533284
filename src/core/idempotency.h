// Idempotency-Key on POST /signup (the IETF httpapi draft "The Idempotency-Key HTTP Header
// Field"): a client that retries after a timeout, a dropped connection or a 503 sends the
// same key, and the signup is published once. The same key with the same body answers
// the first id again; with another body it is a 422; while the first is still being
// handled, a 409. Keys are kept 24 hours in the KeyStore, so across every instance that
// shares it. Pure apart from the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/key_store.h"

namespace proof::core {

class Idempotency {
 public:
  static constexpr std::chrono::hours kKeep{24};
  /// How long a key waits for its signup to be answered before it lapses (the process
  /// stopped in between, or the claim reached Redis after this instance gave up on it):
  /// longer than a request may take (the loop answers 503 after 4.5 s).
  static constexpr std::chrono::seconds kPending{15};

  explicit Idempotency(KeyStore& keys) : keys_(keys) {}

  /// The key as given in the header (quoted, as the draft's structured field, or bare, as
  /// most clients send it), or nullopt when it is not 1 to 255 visible ASCII characters.
  static std::optional<std::string> parse_key(std::string_view header);

  /// What identifies a request's content: its media type and body.
  static std::string fingerprint(std::string_view content_type, std::string_view body);

  struct Start {
    enum class State {
      kFresh,     ///< first use: handle the request, then done() or abandon()
      kReplay,    ///< answered before: answer `id` again, publish nothing
      kMismatch,  ///< used before with another body: 422
      kInFlight,  ///< the first request with it is still being handled: 409
    } state;
    std::uint64_t id = 0;
  };

  /// Claims `key` for a request with `fingerprint`. Throws KeyStoreError.
  Start begin(const std::string& key, const std::string& fingerprint,
              KeyStore::Clock::time_point now);
  /// The request was answered with event `id`: later uses replay it.
  void done(const std::string& key, const std::string& fingerprint, std::uint64_t id,
            KeyStore::Clock::time_point now);
  /// The request was refused: the key is free again, so a retry is handled afresh.
  void abandon(const std::string& key);

 private:
  KeyStore& keys_;
};

}  // namespace proof::core
