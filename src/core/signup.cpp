#include "core/signup.h"

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "core/unicode.h"

namespace proof::core {

namespace {

Refusal malformed(std::string message) {
  return {.status = 400, .reason = RejectReason::kMalformed, .message = std::move(message)};
}
Refusal invalid(std::string message) {
  return {.status = 400, .reason = RejectReason::kInvalidField, .message = std::move(message)};
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && text::ascii_lower(s.substr(0, prefix.size())) == prefix;
}

struct FieldRule {
  std::string_view name;
  std::size_t max_chars;
  bool is_url;
  std::string_view fallback;  ///< value for an empty field; empty means "leave absent"
  std::string Signup::*target;
};

constexpr FieldRule kRules[] = {
    {"user_name", limits::kNameChars, false, defaults::kUserName, &Signup::user_name},
    {"offer_name", limits::kNameChars, false, defaults::kOfferName, &Signup::offer_name},
    {"img_path", limits::kUrlChars, true, defaults::kImgPath, &Signup::img_path},
    {"city", limits::kNameChars, false, "", &Signup::city},
    {"url", limits::kUrlChars, true, "", &Signup::url},
};

}  // namespace

bool is_valid_channel(std::string_view channel) {
  if (channel.empty() || channel.size() > limits::kChannelChars) return false;
  for (const char c : channel) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_safe_url(std::string_view url) {
  for (const char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F || c == '\\') return false;
  }
  for (const std::string_view scheme :
       {std::string_view("http://"), std::string_view("https://")}) {
    if (starts_with_ci(url, scheme)) {
      const std::string_view rest = url.substr(scheme.size());
      return !rest.empty() && rest.front() != '/';  // a host must follow
    }
  }
  return url.size() >= 1 && url[0] == '/' && (url.size() == 1 || url[1] != '/');
}

Outcome<Fields> parse_form(std::string_view body) {
  Fields fields;
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto name = text::form_decode(pair.substr(0, eq));
    auto value =
        text::form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!name || !value) return malformed("malformed form body: bad %-escape");
    if (!fields.emplace(std::move(*name), std::move(*value)).second) {
      return malformed("malformed form body: a field is given more than once");
    }
  }
  return fields;
}

namespace {

/// The value of parameter `name` in a header value such as `form-data; name="x"` or
/// `multipart/form-data; boundary=abc`, unquoted; nullopt when absent.
std::optional<std::string> header_parameter(std::string_view value, std::string_view name) {
  std::size_t at = value.find(';');
  while (at != std::string_view::npos) {
    std::string_view rest = text::trim(value.substr(at + 1));
    const std::size_t eq = rest.find('=');
    const std::size_t next = rest.find(';');
    if (eq != std::string_view::npos && (next == std::string_view::npos || eq < next) &&
        text::iequals(text::trim(rest.substr(0, eq)), name)) {
      std::string_view v = text::trim(rest.substr(eq + 1));
      if (v.starts_with('"')) {
        const std::size_t close = v.find('"', 1);
        if (close == std::string_view::npos) return std::nullopt;
        return std::string(v.substr(1, close - 1));
      }
      return std::string(text::trim(v.substr(0, v.find(';'))));
    }
    const std::size_t step = value.find(';', at + 1);
    at = step;
  }
  return std::nullopt;
}

}  // namespace

Outcome<Fields> parse_multipart(std::string_view body, std::string_view content_type) {
  const auto boundary = header_parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return malformed("malformed multipart body: no boundary in its Content-Type");
  }
  const std::string delimiter = "--" + *boundary;
  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return malformed("malformed multipart body: no part");
  Fields fields;
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos).starts_with("--")) return fields;  // the closing delimiter
    if (!body.substr(pos).starts_with("\r\n")) {
      return malformed("malformed multipart body: a delimiter is not followed by CRLF");
    }
    pos += 2;
    const std::size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) {
      return malformed("malformed multipart body: a part has no end of headers");
    }
    std::optional<std::string> name;
    std::string_view headers = body.substr(pos, head_end - pos);
    while (!headers.empty()) {
      const std::size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string_view::npos &&
          text::iequals(text::trim(line.substr(0, colon)), "content-disposition")) {
        name = header_parameter(line.substr(colon + 1), "name");
      }
    }
    if (!name) return malformed("malformed multipart body: a part has no name");
    const std::size_t data = head_end + 4;
    const std::size_t end = body.find("\r\n" + delimiter, data);
    if (end == std::string_view::npos) {
      return malformed("malformed multipart body: a part does not end with its boundary");
    }
    if (!fields.emplace(std::move(*name), std::string(body.substr(data, end - data))).second) {
      return malformed("malformed multipart body: a field is given more than once");
    }
    pos = end + 2;
  }
}

Outcome<Fields> parse_json(std::string_view body) {
  // No exceptions on bad input: hostile bodies are the normal case here.
  const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return malformed("malformed JSON body");
  if (!doc.is_object()) return malformed("JSON body must be an object");
  Fields fields;
  for (const auto& [name, value] : doc.items()) {
    if (value.is_null()) continue;
    if (!value.is_string()) return invalid("field '" + name + "' must be a string");
    fields.emplace(name, value.get<std::string>());
  }
  return fields;
}

Outcome<Signup> validate(const Fields& fields) {
  if (fields.contains("source")) {
    return invalid(
        "source cannot be set here; verified sources post to /hooks/NAME with their signature");
  }
  Signup signup;
  // Exact, like a channel: a typo must be a 400, not a purchase read as a signup.
  if (const auto it = fields.find("kind"); it != fields.end() && !it->second.empty()) {
    const auto kind = parse_kind(it->second);
    if (!kind) return invalid("kind must be signup or purchase");
    signup.kind = *kind;
  }
  for (const FieldRule& rule : kRules) {
    const std::string name(rule.name);
    std::string& target = signup.*rule.target;
    const auto it = fields.find(rule.name);
    const std::string_view raw = it == fields.end() ? std::string_view{} : it->second;
    if (!text::is_valid_utf8(raw)) return invalid(name + " is not valid UTF-8");
    if (text::has_control_chars(raw)) return invalid(name + " contains control characters");
    // Text a card shows loses what could reverse or hide part of it, here, on the one path
    // of POST /signup and the verified sources alike: refusing would lose the signup (a back
    // end forwards what a visitor typed; a platform retries what it cannot change). The
    // limit counts what is left. URLs are not shown as text, and stay as given.
    std::string shown;
    std::string_view value;
    if (rule.is_url) {
      value = text::trim(raw);
    } else {
      shown = unicode::strip_hidden(raw);
      value = unicode::trim_white_space(shown);
    }
    if (text::code_points(value) > rule.max_chars) {
      return invalid(name + " is longer than " + std::to_string(rule.max_chars) + " characters");
    }
    if (value.empty()) {
      // "one of our partners" is a signup's words: a purchase of nothing named reads as a
      // purchase from the shop itself.
      const bool keep_absent =
          signup.kind == EventKind::kPurchase && rule.target == &Signup::offer_name;
      target = keep_absent ? std::string_view{} : rule.fallback;
      continue;
    }
    if (rule.is_url && !is_safe_url(value)) {
      return invalid(name + " must be an http(s) URL or a path starting with /");
    }
    target = value;
  }
  // Not trimmed or defaulted like the text fields: a channel names a stream exactly, and
  // a typo must be a 400 rather than a channel nobody listens to. Empty is absent.
  if (const auto it = fields.find("channel"); it != fields.end() && !it->second.empty()) {
    if (!is_valid_channel(it->second)) {
      return invalid("channel must be 1-" + std::to_string(limits::kChannelChars) +
                     " characters of a-z, 0-9, _ and -");
    }
    signup.channel = it->second;
  }
  return signup;
}

}  // namespace proof::core
