// What a publisher sends: parsing of the original's form body and of JSON, and the
// validation every signup passes before it can reach a page. Pure: no sockets, no clock.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "core/event_kind.h"
#include "core/refusal.h"

namespace proof::core {

/// One accepted signup, fields already trimmed, stripped, checked and defaulted.
struct Signup {
  std::string user_name{};
  std::string offer_name{};
  std::string img_path{};
  std::string city{};     ///< empty when not given
  std::string url{};      ///< empty when not given; where a click on the card leads
  std::string channel{};  ///< empty: every stream; else only streams of this channel
  /// The verified source that sent it ("stripe", "shopify"...), set by a /hooks receiver
  /// after its signature was checked; empty for POST /signup, which cannot claim one.
  std::string source{};
  /// A signup unless the publisher said `kind=purchase`; a verified source's is a purchase.
  EventKind kind = EventKind::kSignup;
};

/// Documented limits (README "Publishing").
namespace limits {
inline constexpr std::size_t kNameChars = 120;                     ///< user_name, offer_name, city
inline constexpr std::size_t kUrlChars = 2048;                     ///< img_path, url
inline constexpr std::size_t kChannelChars = 64;                   ///< channel: 1-64 of a-z 0-9 _ -
inline constexpr std::size_t kBodyBytes = std::size_t{16} * 1024;  ///< whole POST body, else 413
}  // namespace limits

/// The original's defaults for empty fields; the image is served from public/.
namespace defaults {
inline constexpr std::string_view kUserName = "someone";
inline constexpr std::string_view kOfferName = "one of our partners";
inline constexpr std::string_view kImgPath = "/img/default.svg";
}  // namespace defaults

/// Raw named fields of a body, before validation.
using Fields = std::map<std::string, std::string, std::less<>>;

template <class T>
using Outcome = std::variant<T, Refusal>;

/// Parses an application/x-www-form-urlencoded body. Unknown names are kept (and later
/// ignored, as the original did); a malformed escape or a repeated field is refused.
Outcome<Fields> parse_form(std::string_view body);

/// Parses a multipart/form-data body (RFC 7578) whose Content-Type is `content_type` (the
/// boundary is its parameter): each part's name from its Content-Disposition, its bytes as
/// the value. A repeated field is refused, as in a form body.
Outcome<Fields> parse_multipart(std::string_view body, std::string_view content_type);

/// Parses a JSON object body. Values must be strings (or null, meaning absent).
Outcome<Fields> parse_json(std::string_view body);

/// Checks and defaults the known fields: UTF-8, no control characters, length limits,
/// and http(s)-or-site-relative URLs. The text fields (user_name, offer_name, city) lose
/// their bidi controls and invisible format characters (core/unicode.h) and any Unicode
/// white space at either end; limits count what is left. An empty field is an absent one
/// (HTML forms send every field, filled or not), and so is one that stripping left empty.
/// `kind` is "signup" (also when empty) or "purchase", exactly; a purchase without an
/// offer_name keeps none (the widget says "just bought from us", not "one of our partners").
/// A `source` field is refused: only a verified receiver sets the source.
Outcome<Signup> validate(const Fields& fields);

/// True for a channel name: 1 to 64 characters, each of a-z, 0-9, '_' or '-'.
bool is_valid_channel(std::string_view channel);

/// True for "http://host...", "https://host..." or a site-relative "/path" (not "//host",
/// which leaves the site), with no white space, control characters or backslashes.
bool is_safe_url(std::string_view url);

}  // namespace proof::core
