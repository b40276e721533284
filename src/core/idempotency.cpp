#include "core/idempotency.h"

#include <charconv>
#include <vector>

#include "core/digest.h"
#include "core/encoding.h"

namespace proof::core {

namespace {

std::vector<std::string> store_key(const std::string& key) {
  return {"idem:" + to_hex(sha256(key))};  // fixed size, whatever the client sent
}

}  // namespace

std::optional<std::string> Idempotency::parse_key(std::string_view header) {
  if (header.size() >= 2 && header.front() == '"' && header.back() == '"') {
    header = header.substr(1, header.size() - 2);
  }
  if (header.empty() || header.size() > 255) return std::nullopt;
  for (const char c : header) {
    if (c < 0x21 || c > 0x7E) return std::nullopt;
  }
  return std::string(header);
}

std::string Idempotency::fingerprint(std::string_view content_type, std::string_view body) {
  std::string material(content_type);
  material += '\n';
  material += body;
  return to_hex(sha256(material));
}

Idempotency::Start Idempotency::begin(const std::string& key, const std::string& fingerprint,
                                      KeyStore::Clock::time_point now) {
  const auto keys = store_key(key);
  const auto held = keys_.claim(keys, "pending " + fingerprint, kPending, now);
  if (!held) return {Start::State::kFresh};
  // "pending FP" or "done ID FP"
  const std::string_view value = *held;
  const bool same = value.ends_with(" " + fingerprint);
  if (value.starts_with("pending ")) {
    return {same ? Start::State::kInFlight : Start::State::kMismatch};
  }
  if (!same) return {Start::State::kMismatch};
  std::uint64_t id = 0;
  const std::string_view digits = value.substr(5, value.find(' ', 5) - 5);
  std::from_chars(digits.data(), digits.data() + digits.size(), id);
  return {Start::State::kReplay, id};
}

void Idempotency::done(const std::string& key, const std::string& fingerprint, std::uint64_t id,
                       KeyStore::Clock::time_point now) {
  keys_.put(store_key(key), "done " + std::to_string(id) + " " + fingerprint, kKeep, now);
}

void Idempotency::abandon(const std::string& key) {
  keys_.forget(store_key(key));
}

}  // namespace proof::core
