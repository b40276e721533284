#include "sources/json_fields.h"

#include "core/signup.h"
#include "core/text.h"

namespace proof::sources {

const nlohmann::json* at(const nlohmann::json& j, std::initializer_list<std::string_view> path) {
  const nlohmann::json* here = &j;
  for (const std::string_view key : path) {
    if (!here->is_object()) return nullptr;
    const auto it = here->find(key);
    if (it == here->end()) return nullptr;
    here = &*it;
  }
  return here;
}

std::string text(const nlohmann::json& j, std::initializer_list<std::string_view> path) {
  const nlohmann::json* value = at(j, path);
  if (value == nullptr) return {};
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number_integer()) return value->dump();
  return {};
}

bool is_true(const nlohmann::json& j, std::initializer_list<std::string_view> path) {
  const nlohmann::json* value = at(j, path);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

std::string card_text(std::string_view raw) {
  // nlohmann::json has already refused ill-formed UTF-8; text from elsewhere is checked.
  if (!text::is_valid_utf8(raw)) return {};
  std::string out;
  out.reserve(raw.size());
  std::size_t chars = 0;
  std::size_t cut = 0;  // where the text ends if it must be shortened: after char 119
  bool space = false;
  for (std::size_t i = 0; i < raw.size();) {
    const auto b = static_cast<unsigned char>(raw[i]);
    const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    const std::string_view ch = raw.substr(i, len);
    i += len;
    // C0, DEL and C1 controls (U+0080-U+009F is 0xC2 0x80-0x9F) read as white space.
    const bool control = (len == 1 && (b < 0x20 || b == 0x7F)) ||
                         (len == 2 && b == 0xC2 && static_cast<unsigned char>(ch[1]) < 0xA0);
    if (control || ch == " ") {
      space = !out.empty();
      continue;
    }
    for (const std::string_view piece : {space ? std::string_view(" ") : std::string_view(), ch}) {
      if (piece.empty()) continue;
      out += piece;
      if (++chars == limits::kNameChars - 1) cut = out.size();
    }
    space = false;
  }
  if (chars > limits::kNameChars) {
    out.resize(cut);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\u2026";  // one character: the limit is met exactly
  }
  return out;
}

std::string full_name(std::string_view first, std::string_view last) {
  std::string a = card_text(first);
  std::string b = card_text(last);
  if (a.empty()) return b;
  if (b.empty()) return a;
  return card_text(a + " " + b);
}

nlohmann::json parse_object(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return nlohmann::json(nlohmann::json::value_t::discarded);
  return doc;
}

}  // namespace proof::sources
