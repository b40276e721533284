// libFuzzer target: what a client sends to resume a stream (Last-Event-ID / ?lastEventId=,
// ?replay=N) and the framing of what the server sends back.
//  - parse_event_id accepts only decimal digits, and then exactly their value; every
//    all-digit string up to 20 characters that fits in 64 bits is accepted.
//  - parse_count accepts any run of decimal digits and gives min(value, max), also past
//    64 bits. `max` is kept below 10^9 (the server passes --history, at most 100000):
//    see check_count's caller.
//  - any id survives to_string -> parse_event_id.
//  - format_event turns any data into one SSE event whose data is the input with its line
//    breaks (CR, LF, CRLF) made LF, and whose id is the given id.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/sse.h"
#include "oracle.h"

namespace {

using proof::fuzz::violated;

bool all_digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

/// The exact value of an all-digit string, or nullopt when it exceeds 64 bits. Leading
/// zeros are stripped first, so std::stoull judges only the significant digits.
std::optional<unsigned long long> exact_value(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (digits.size() > 20) return std::nullopt;
  try {
    return std::stoull(std::string(digits), nullptr, 10);
  } catch (const std::out_of_range&) {
    return std::nullopt;
  }
}

void check_event_id(const std::string& s) {
  const auto id = proof::core::sse::parse_event_id(s);
  if (!all_digits(s)) {
    if (id) violated("parse_event_id accepted a non-digit id", s);
    return;
  }
  const auto expected = exact_value(s);
  if (id) {
    PROOF_FUZZ_CHECK(expected.has_value() && *expected == *id, s);
  } else if (s.size() <= 20 && expected) {
    // Longer strings of leading zeros may be refused: no server ever sends them.
    violated("parse_event_id refused a 64-bit decimal id", s);
  }
}

void check_count(const std::string& s, std::size_t max) {
  const auto n = proof::core::sse::parse_count(s, max);
  if (!all_digits(s)) {
    if (n) violated("parse_count accepted a non-digit count", s);
    return;
  }
  // Any run of digits is a count; beyond `max` (or beyond 64 bits) it means "all".
  PROOF_FUZZ_CHECK(n.has_value(), s);
  const auto expected = exact_value(s);
  const std::size_t capped = expected ? std::min<unsigned long long>(*expected, max) : max;
  PROOF_FUZZ_CHECK(*n == capped, s);
}

void check_frame(std::uint64_t id, const std::string& data) {
  const std::string frame = proof::core::sse::format_event(id, "signup", data);
  std::string expected;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\r') {
      expected += '\n';
      if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
    } else {
      expected += data[i];
    }
  }
  const auto stream = proof::fuzz::read_sse(frame);
  PROOF_FUZZ_CHECK(!stream.unterminated, frame);
  PROOF_FUZZ_CHECK(stream.events.size() == 1, frame);
  PROOF_FUZZ_CHECK(stream.id_fields == 1 && stream.event_fields == 1, frame);
  PROOF_FUZZ_CHECK(stream.other_fields == 0, frame);
  PROOF_FUZZ_CHECK(stream.events[0].id == std::to_string(id), frame);
  PROOF_FUZZ_CHECK(stream.events[0].event == "signup", frame);
  PROOF_FUZZ_CHECK(stream.events[0].data == expected, frame);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  // parse_count saturates with value * 10 + digit, which wraps for max > SIZE_MAX / 10;
  // no caller comes near that (the server's max is --history <= 100000).
  const auto max = in.ConsumeIntegralInRange<std::size_t>(0, 999'999'999);
  const auto id = in.ConsumeIntegral<std::uint64_t>();
  const std::string a = in.ConsumeRandomLengthString(64);
  const std::string rest = in.ConsumeRemainingBytesAsString();

  check_event_id(a);
  check_event_id(rest);
  check_count(a, max);
  check_count(a, 1000);
  check_count(rest, max);

  const auto round = proof::core::sse::parse_event_id(std::to_string(id));
  PROOF_FUZZ_CHECK(round.has_value() && *round == id, std::to_string(id));

  check_frame(id, a);
  check_frame(id, rest);

  const auto ms = static_cast<std::int64_t>(id >> 1);
  PROOF_FUZZ_CHECK(proof::core::sse::format_retry(std::chrono::milliseconds(ms)) ==
                       "retry: " + std::to_string(ms) + "\n\n",
                   "");
  return 0;
}
