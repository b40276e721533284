#include "sources/standard_webhooks.h"

#include <charconv>

#include "core/encoding.h"
#include "sources/json_fields.h"
#include "sources/signing.h"

namespace proof::sources {

namespace {

/// The header `name` with the webhook- prefix, else with Svix's svix- prefix.
std::optional<std::string_view> prefixed(const Delivery& d, std::string_view name, bool& twice) {
  for (const char* prefix : {"webhook-", "svix-"}) {
    const std::string full = prefix + std::string(name);
    if (d.count(full) > 1) twice = true;
    if (auto value = d.header(full)) return value;
  }
  return std::nullopt;
}

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> tails) {
  for (const auto tail : tails) {
    if (s.ends_with(tail)) return true;
  }
  return false;
}

class StandardWebhooks final : public Receiver {
 public:
  explicit StandardWebhooks(std::vector<std::string> keys) : keys_(std::move(keys)) {}

  std::string_view name() const override { return "standard"; }

  Verification verify(const Delivery& d, Clock::time_point now) const override {
    bool twice = false;
    const auto id = prefixed(d, "id", twice);
    const auto timestamp = prefixed(d, "timestamp", twice);
    const auto signature = prefixed(d, "signature", twice);
    if (twice) return BadSignature{"a webhook- header is given more than once"};
    if (!id || !timestamp || !signature) {
      return BadSignature{
          "webhook-id, webhook-timestamp and webhook-signature (or svix-id, svix-timestamp and "
          "svix-signature) are required: only signed Standard Webhooks are accepted here"};
    }
    auto parsed = parse_standard_signature(*id, *timestamp, *signature);
    if (const auto* problem = std::get_if<std::string>(&parsed)) return BadSignature{*problem};
    const auto& sig = std::get<StandardSignature>(parsed);
    const std::int64_t age =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() -
        sig.timestamp;
    const std::int64_t tolerance = kTimestampTolerance.count();
    if (age > tolerance) {
      return BadSignature{"webhook-timestamp is " + std::to_string(age) + " s old (more than " +
                          std::to_string(tolerance) +
                          "): a replayed delivery, or this server's clock is off"};
    }
    if (-age > tolerance) {
      return BadSignature{"webhook-timestamp is " + std::to_string(-age) +
                          " s in the future (more than " + std::to_string(tolerance) +
                          "): the sender's clock, or this server's, is off"};
    }
    const std::string signed_bytes =
        sig.id + "." + std::string(*timestamp) + "." + std::string(d.body);
    const auto key = signed_by(keys_, signed_bytes, sig.v1);
    if (!key) {
      return BadSignature{
          "no v1 signature in webhook-signature matches --webhook-secret: give the endpoint's "
          "signing secret (whsec_...), and make sure no proxy changes the body"};
    }
    return Verified{*key};
  }

  Meaning read(const Delivery& d, const ReadOptions& options) const override {
    const nlohmann::json envelope = parse_object(d.body);
    if (envelope.is_discarded()) return Malformed{"the body is not a JSON object"};
    const std::string type = text(envelope, {"type"});
    const nlohmann::json* data = at(envelope, {"data"});
    if (type.empty() || data == nullptr || !data->is_object()) {
      return Malformed{
          "the body is not a Standard Webhooks envelope: {\"type\", \"timestamp\", \"data\"}"};
    }
    bool twice = false;
    const std::string id(prefixed(d, "id", twice).value_or(""));
    std::vector<std::string> delivery{"standard:message:" + id};
    std::vector<std::string> order_keys;
    core::Fields fields;
    for (const auto& [name, value] : data->items()) {
      if (value.is_null()) continue;
      if (!value.is_string()) return Malformed{"data." + name + " must be a string"};
      if (name == "order_id") {
        if (!value.get<std::string>().empty()) {
          order_keys.push_back("standard:order:" + value.get<std::string>());
        }
        continue;
      }
      fields.emplace(name, value.get<std::string>());
    }
    if (ends_with_any(type, {".refunded", ".cancelled", ".canceled"})) {
      if (order_keys.empty()) return Malformed{"a " + type + " event needs data.order_id"};
      return TakeBack{.delivery_keys = delivery, .order_keys = order_keys};
    }
    if (!fields.contains("offer_name") || fields["offer_name"].empty()) {
      fields["offer_name"] = options.offer;
    }
    Card card;
    card.fields = std::move(fields);
    card.delivery_keys = std::move(delivery);
    card.order_keys = std::move(order_keys);
    return card;
  }

 private:
  std::vector<std::string> keys_;
};

}  // namespace

std::variant<StandardSignature, std::string> parse_standard_signature(std::string_view id,
                                                                      std::string_view timestamp,
                                                                      std::string_view signature) {
  StandardSignature out;
  if (id.empty() || id.size() > 256) return std::string("webhook-id must be 1 to 256 characters");
  out.id = std::string(id);
  const auto [end, ec] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), out.timestamp);
  // Digits only: from_chars would also take a sign ("-0").
  if (timestamp.empty() || timestamp.front() < '0' || timestamp.front() > '9' ||
      ec != std::errc{} || end != timestamp.data() + timestamp.size()) {
    return std::string("webhook-timestamp is not a whole number of seconds");
  }
  while (!signature.empty()) {
    const std::size_t space = signature.find(' ');
    const std::string_view entry = signature.substr(0, space);
    signature = space == std::string_view::npos ? std::string_view{} : signature.substr(space + 1);
    const std::size_t comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1") continue;
    if (auto bytes = core::from_base64(entry.substr(comma + 1))) {
      out.v1.push_back(std::move(*bytes));
    }
  }
  if (out.v1.empty()) return std::string("webhook-signature has no v1 signature");
  return out;
}

std::optional<std::string> standard_secret_key(std::string_view secret) {
  if (secret.starts_with("whsec_")) secret.remove_prefix(6);
  auto key = core::from_base64(secret);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

std::unique_ptr<Receiver> make_standard_webhooks(const std::vector<std::string>& secrets) {
  std::vector<std::string> keys;
  for (const auto& secret : secrets) {
    if (auto key = standard_secret_key(secret)) keys.push_back(std::move(*key));
  }
  return std::make_unique<StandardWebhooks>(std::move(keys));
}

}  // namespace proof::sources
