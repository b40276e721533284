#include "sources/stripe.h"

#include <charconv>

#include "core/encoding.h"
#include "sources/json_fields.h"
#include "sources/signing.h"

namespace proof::sources {

namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

/// An id Stripe may send as a string or, expanded, as an object with an id.
std::string id_of(const nlohmann::json& object, std::string_view field) {
  const nlohmann::json* value = at(object, {field});
  if (value == nullptr) return {};
  if (value->is_string()) return value->get<std::string>();
  return text(*value, {"id"});
}

class Stripe final : public Receiver {
 public:
  explicit Stripe(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {}

  std::string_view name() const override { return "stripe"; }

  Verification verify(const Delivery& d, Clock::time_point now) const override {
    if (d.count("stripe-signature") == 0) {
      return BadSignature{
          "Stripe-Signature is missing: only Stripe's signed webhooks are accepted here"};
    }
    const auto header = d.header("stripe-signature");
    if (!header) return BadSignature{"Stripe-Signature is given more than once"};
    auto parsed = parse_stripe_signature(*header);
    if (const auto* problem = std::get_if<std::string>(&parsed)) {
      return BadSignature{"Stripe-Signature " + *problem};
    }
    const auto& signature = std::get<StripeSignature>(parsed);
    const std::string signed_bytes =
        std::to_string(signature.timestamp) + "." + std::string(d.body);
    const auto secret = signed_by(secrets_, signed_bytes, signature.v1);
    if (!secret) {
      return BadSignature{
          "no v1 signature in Stripe-Signature matches --stripe-secret: give the signing "
          "secret of this endpoint (whsec_..., under Developers > Webhooks), and make sure "
          "no proxy changes the body"};
    }
    const auto age =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() -
        signature.timestamp;
    if (age > kTimestampTolerance.count()) {
      return BadSignature{"the signature's timestamp is " + std::to_string(age) +
                          " s old (more than " + std::to_string(kTimestampTolerance.count()) +
                          "): a replayed delivery, or this server's clock is off"};
    }
    return Verified{*secret};
  }

  Meaning read(const Delivery& d, const ReadOptions& options) const override {
    const nlohmann::json event = parse_object(d.body);
    if (event.is_discarded()) return Malformed{"the body is not a JSON object"};
    const std::string type = text(event, {"type"});
    const std::string id = text(event, {"id"});
    const nlohmann::json* object = at(event, {"data", "object"});
    if (type.empty() || id.empty() || object == nullptr || !object->is_object()) {
      return Malformed{"the body is not a Stripe event (id, type, data.object)"};
    }
    const nlohmann::json* live = at(event, {"livemode"});
    if (live == nullptr || !live->is_boolean()) {
      return Malformed{"the event does not say whether it is live (livemode)"};
    }
    if (!live->get<bool>() && !options.accept_test) return Ignored{"test"};
    const std::vector<std::string> delivery{"stripe:event:" + id};

    if (type == "checkout.session.completed" ||
        type == "checkout.session.async_payment_succeeded") {
      const std::string session = text(*object, {"id"});
      if (session.empty()) return Malformed{"the checkout session has no id"};
      if (text(*object, {"payment_status"}) != "paid") return Ignored{"unpaid"};
      Card card;
      card.delivery_keys = delivery;
      card.order_keys.push_back("stripe:cs:" + session);
      // A refund names the payment intent (or, for a subscription, the invoice) only.
      if (const std::string pi = id_of(*object, "payment_intent"); !pi.empty()) {
        card.order_keys.push_back("stripe:pi:" + pi);
      }
      if (const std::string invoice = id_of(*object, "invoice"); !invoice.empty()) {
        card.order_keys.push_back("stripe:in:" + invoice);
      }
      card.fields["user_name"] = card_text(text(*object, {"customer_details", "name"}));
      card.fields["city"] = card_text(text(*object, {"customer_details", "address", "city"}));
      std::string offer = card_text(text(*object, {"metadata", "offer_name"}));
      card.fields["offer_name"] = offer.empty() ? options.offer : offer;
      return card;
    }
    if (type == "charge.refunded") {
      if (!is_true(*object, {"refunded"})) return Ignored{"partial refund"};
      TakeBack back;
      back.delivery_keys = delivery;
      if (const std::string pi = id_of(*object, "payment_intent"); !pi.empty()) {
        back.order_keys.push_back("stripe:pi:" + pi);
      }
      if (const std::string invoice = id_of(*object, "invoice"); !invoice.empty()) {
        back.order_keys.push_back("stripe:in:" + invoice);
      }
      return back;
    }
    return Ignored{"event type"};
  }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace

std::variant<StripeSignature, std::string> parse_stripe_signature(std::string_view header) {
  StripeSignature out;
  bool timestamp = false;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view item = trim_spaces(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;  // not key=value: no part of the scheme
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      std::int64_t t = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
      // Digits only: from_chars would also take a sign ("-0").
      if (value.empty() || value.front() < '0' || value.front() > '9' || ec != std::errc{} ||
          end != value.data() + value.size()) {
        return std::string("has a timestamp (t=) that is not a whole number of seconds");
      }
      out.timestamp = t;  // the last one counts, as in stripe-node
      timestamp = true;
    } else if (key == "v1") {
      // One that is not hex cannot match; it is skipped rather than refused, as others are.
      if (auto bytes = core::from_hex(value)) out.v1.push_back(std::move(*bytes));
    }
  }
  if (!timestamp) return std::string("has no timestamp (t=)");
  if (out.v1.empty()) return std::string("has no v1 signature");
  return out;
}

std::unique_ptr<Receiver> make_stripe(std::vector<std::string> secrets) {
  return std::make_unique<Stripe>(std::move(secrets));
}

}  // namespace proof::sources
