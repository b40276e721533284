// What every signup target checks once it has parsed fields: validate() agrees with the
// documented rules field by field, whatever it accepts is safe to put on a page, and the
// event built from it reaches a browser intact (one SSE event whose JSON round-trips).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/event_log.h"
#include "core/signup.h"
#include "oracle.h"

namespace proof::fuzz {

struct Rule {
  std::string_view name;
  std::size_t max_chars;
  bool is_url;
  std::string_view fallback;
  std::string core::Signup::*field;
};

inline constexpr Rule kRules[] = {
    {"user_name", core::limits::kNameChars, false, core::defaults::kUserName,
     &core::Signup::user_name},
    {"offer_name", core::limits::kNameChars, false, core::defaults::kOfferName,
     &core::Signup::offer_name},
    {"img_path", core::limits::kUrlChars, true, core::defaults::kImgPath, &core::Signup::img_path},
    {"city", core::limits::kNameChars, false, "", &core::Signup::city},
    {"url", core::limits::kUrlChars, true, "", &core::Signup::url},
};

/// What validate() keeps of a valid, control-free raw value: a URL trimmed of ASCII white
/// space, a text field as a card shows it (hidden characters and surrounding Unicode white
/// space gone).
inline std::string kept_value(const Rule& rule, std::string_view raw) {
  if (rule.is_url) return std::string(strip(raw));
  return shown_text(*decode_utf8(raw));
}

/// The documented verdict on one raw field value.
inline bool field_ok(const Rule& rule, std::string_view raw) {
  const auto cps = decode_utf8(raw);
  if (!cps) return false;
  for (const char32_t cp : *cps) {
    if (is_control(cp)) return false;
  }
  const std::string value = kept_value(rule, raw);
  const auto kept = decode_utf8(value);
  if (!kept || kept->size() > rule.max_chars) return false;
  return value.empty() || !rule.is_url || url_rule(value);
}

/// The documented channel rule, written out apart from is_valid_channel: present means
/// 1 to 64 of a-z, 0-9, '_' and '-', exactly as given (no trimming, no default).
inline bool channel_ok(std::string_view raw) {
  if (raw.empty() || raw.size() > core::limits::kChannelChars) return false;
  for (const char c : raw) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

/// The value an empty field gets: the rule's fallback, except a purchase's offer_name,
/// which stays absent (the widget says "just bought from us").
inline std::string_view fallback_for(const Rule& rule, core::EventKind kind) {
  if (kind == core::EventKind::kPurchase && rule.field == &core::Signup::offer_name) return {};
  return rule.fallback;
}

/// The documented kind rule, written out apart from parse_kind: absent or empty is a
/// signup, else exactly "signup" or "purchase".
inline std::optional<core::EventKind> kind_of(const core::Fields& fields) {
  const auto it = fields.find("kind");
  if (it == fields.end() || it->second.empty() || it->second == "signup") {
    return core::EventKind::kSignup;
  }
  if (it->second == "purchase") return core::EventKind::kPurchase;
  return std::nullopt;
}

/// Properties of an accepted value that hold whatever the input was.
inline void check_safe_value(const Rule& rule, core::EventKind kind, std::string_view value) {
  const auto cps = decode_utf8(value);
  PROOF_FUZZ_CHECK(cps.has_value(), value);
  for (const char32_t cp : *cps) PROOF_FUZZ_CHECK(!is_control(cp), value);
  PROOF_FUZZ_CHECK(cps->size() <= rule.max_chars, value);
  PROOF_FUZZ_CHECK(strip(value) == value, value);
  if (!rule.is_url) {
    PROOF_FUZZ_CHECK(shown_text(*cps) == value, value);  // no hidden character, trimmed
  }
  if (!fallback_for(rule, kind).empty()) PROOF_FUZZ_CHECK(!value.empty(), rule.name);
  if (rule.is_url && !value.empty()) {
    PROOF_FUZZ_CHECK(proof::core::is_safe_url(value), value);
    PROOF_FUZZ_CHECK(url_rule(value), value);
    PROOF_FUZZ_CHECK(!obviously_unsafe(value), value);
    const bool absolute = iequals_prefix(value, "http://") || iequals_prefix(value, "https://");
    const bool relative = value[0] == '/' && (value.size() == 1 || value[1] != '/');
    PROOF_FUZZ_CHECK(absolute || relative, value);
  }
}

/// make_event's frame, read back as a browser would: one "signup" event (whatever its kind,
/// for widgets from before kinds) with our id whose data is JSON carrying exactly the
/// signup's fields and its kind.
inline void check_event(const core::Signup& signup, std::uint64_t id, std::int64_t ts_ms) {
  const core::EventPtr event = core::make_event(id, ts_ms, signup);
  PROOF_FUZZ_CHECK(event != nullptr, "");
  PROOF_FUZZ_CHECK(event->id == id, "");
  PROOF_FUZZ_CHECK(event->ts_ms == ts_ms, "");
  const std::string& frame = event->frame;
  PROOF_FUZZ_CHECK(frame.size() >= 2 && frame.compare(frame.size() - 2, 2, "\n\n") == 0, frame);
  PROOF_FUZZ_CHECK(frame.find('\r') == std::string::npos, frame);
  PROOF_FUZZ_CHECK(frame.find("\n\n") == frame.size() - 2, frame);  // one block, one blank line

  const SseStream stream = read_sse(frame);
  PROOF_FUZZ_CHECK(!stream.unterminated, frame);
  PROOF_FUZZ_CHECK(stream.events.size() == 1, frame);
  PROOF_FUZZ_CHECK(stream.id_fields == 1 && stream.event_fields == 1, frame);
  PROOF_FUZZ_CHECK(stream.other_fields == 0, frame);
  const auto& got = stream.events.front();
  PROOF_FUZZ_CHECK(got.id == std::to_string(id), frame);
  PROOF_FUZZ_CHECK(got.event == "signup", frame);
  PROOF_FUZZ_CHECK(got.data == event->json, frame);

  const auto doc = nlohmann::json::parse(got.data, nullptr, /*allow_exceptions=*/false);
  PROOF_FUZZ_CHECK(doc.is_object(), got.data);
  PROOF_FUZZ_CHECK(doc.size() == 5 + !signup.offer_name.empty() + !signup.city.empty() +
                                     !signup.url.empty() + !signup.channel.empty() +
                                     !signup.source.empty(),
                   got.data);
  PROOF_FUZZ_CHECK(doc.contains("kind") && doc["kind"].is_string() &&
                       doc["kind"].get<std::string>() ==
                           (signup.kind == core::EventKind::kPurchase ? "purchase" : "signup"),
                   got.data);
  if (signup.channel.empty()) {
    PROOF_FUZZ_CHECK(!doc.contains("channel"), got.data);
  } else {
    PROOF_FUZZ_CHECK(doc.contains("channel") && doc["channel"].is_string() &&
                         doc["channel"].get<std::string>() == signup.channel,
                     got.data);
  }
  PROOF_FUZZ_CHECK(
      doc.contains("id") && doc["id"].is_number_unsigned() && doc["id"].get<std::uint64_t>() == id,
      got.data);
  PROOF_FUZZ_CHECK(
      doc.contains("ts") && doc["ts"].is_number_integer() && doc["ts"].get<std::int64_t>() == ts_ms,
      got.data);
  for (const Rule& rule : kRules) {
    const std::string& value = signup.*rule.field;
    const std::string key(rule.name);
    if (value.empty()) {
      PROOF_FUZZ_CHECK(!doc.contains(key), got.data);
      continue;
    }
    PROOF_FUZZ_CHECK(doc.contains(key) && doc[key].is_string(), got.data);
    PROOF_FUZZ_CHECK(doc[key].get<std::string>() == value, got.data);
  }
}

/// validate() against the rules, and everything it accepts through make_event.
inline void check_validate(const core::Fields& fields, std::uint64_t seed) {
  bool expect_ok = true;
  for (const Rule& rule : kRules) {
    const auto it = fields.find(rule.name);
    if (it != fields.end() && !field_ok(rule, it->second)) expect_ok = false;
  }
  const auto channel = fields.find("channel");
  // README: an empty field is an absent one; a present channel is 1-64 of a-z 0-9 _ -.
  if (channel != fields.end() && !channel->second.empty() && !channel_ok(channel->second)) {
    expect_ok = false;
  }
  // Only a verified receiver sets the source; a publisher's `source` field is refused.
  if (fields.contains("source")) expect_ok = false;
  const std::optional<core::EventKind> kind = kind_of(fields);
  if (!kind) expect_ok = false;

  const core::Outcome<core::Signup> outcome = core::validate(fields);
  if (const auto* refusal = std::get_if<core::Refusal>(&outcome)) {
    PROOF_FUZZ_CHECK(!expect_ok, refusal->message);  // a valid signup was refused
    PROOF_FUZZ_CHECK(refusal->status == 400, refusal->message);
    PROOF_FUZZ_CHECK(refusal->reason == core::RejectReason::kInvalidField, refusal->message);
    PROOF_FUZZ_CHECK(!refusal->message.empty(), "");
    return;
  }
  PROOF_FUZZ_CHECK(expect_ok, "an invalid signup was accepted");
  const core::Signup& signup = std::get<core::Signup>(outcome);
  for (const Rule& rule : kRules) {
    const std::string& value = signup.*rule.field;
    const auto it = fields.find(rule.name);
    const std::string given = it == fields.end() ? std::string() : kept_value(rule, it->second);
    if (given.empty()) {
      PROOF_FUZZ_CHECK(value == fallback_for(rule, *kind), value);
    } else {
      PROOF_FUZZ_CHECK(value == given, value);  // trimmed (and stripped), otherwise untouched
    }
    check_safe_value(rule, *kind, value);
  }
  PROOF_FUZZ_CHECK(signup.kind == *kind, "the kind is not the one sent");
  PROOF_FUZZ_CHECK(signup.channel == (channel == fields.end() ? std::string() : channel->second),
                   signup.channel);
  PROOF_FUZZ_CHECK(signup.source.empty(), signup.source);

  // Ids across the whole range, timestamps of either sign.
  const std::uint64_t id = seed * 0x9E3779B97F4A7C15ull;
  const auto ts = static_cast<std::int64_t>(seed * 0xBF58476D1CE4E5B9ull);
  check_event(signup, id, ts);
  check_event(signup, std::numeric_limits<std::uint64_t>::max(),
              std::numeric_limits<std::int64_t>::min());
}

}  // namespace proof::fuzz
