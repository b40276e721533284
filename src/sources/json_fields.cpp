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

namespace {

/// The number written by the `n` digits at `at`, or -1 if one is not a digit.
int number_at(std::string_view s, std::size_t at, std::size_t n) {
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view s) {
  using namespace std::chrono;
  // YYYY-MM-DDTHH:MM:SS, in fixed places.
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return {};
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return {};
  const int y = number_at(s, 0, 4);
  const int mo = number_at(s, 5, 2);
  const int d = number_at(s, 8, 2);
  const int h = number_at(s, 11, 2);
  const int mi = number_at(s, 14, 2);
  const int sec = number_at(s, 17, 2);
  // Years a platform's order can have, well inside what the clock's nanoseconds can count
  // (1678 to 2262): the fuzz target found year 1013 overflowing the conversion.
  if (y < 1900 || y > 2200 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
      sec > 60) {
    return {};
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok()) return {};
  std::string_view rest = s.substr(19);
  if (rest.starts_with('.')) {
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n == 1) return {};
    rest.remove_prefix(n);
  }
  minutes offset{0};  // none written: UTC, as WooCommerce's *_gmt fields are
  if (!rest.empty() && rest != "Z" && rest != "z") {
    const int oh = number_at(rest, 1, 2);
    const int om = number_at(rest, 4, 2);
    if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' || oh < 0 ||
        oh > 23 || om < 0 || om > 59) {
      return {};
    }
    offset = hours(oh) + minutes(om);
    if (rest[0] == '-') offset = -offset;
  }
  return sys_days{date} + hours(h) + minutes(mi) + seconds(sec) - offset;
}

std::optional<std::chrono::system_clock::time_point> time_at(
    const nlohmann::json& j, std::initializer_list<std::string_view> path) {
  const nlohmann::json* value = at(j, path);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return parse_time(value->get_ref<const std::string&>());
}

bool is_true(const nlohmann::json& j, std::initializer_list<std::string_view> path) {
  const nlohmann::json* value = at(j, path);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

std::string card_text(std::string_view raw) {
  // nlohmann::json has already refused ill-formed UTF-8; text from elsewhere is checked.
  if (!core::text::is_valid_utf8(raw)) return {};
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
      if (++chars == core::limits::kNameChars - 1) cut = out.size();
    }
    space = false;
  }
  if (chars > core::limits::kNameChars) {
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
