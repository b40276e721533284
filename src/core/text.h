// Byte-level text checks shared by request parsing: everything here is pure and
// allocation-light so it can run on hostile input before anything else looks at it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace proof::core::text {

/// True when `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);

/// True when `s` (valid UTF-8) holds a C0 control, DEL or a C1 control (U+0080..U+009F).
/// Such characters have no place in a name and can break lines in logs and streams.
bool has_control_chars(std::string_view s);

/// Number of code points in valid UTF-8 `s` (limits are stated in characters, not bytes).
std::size_t code_points(std::string_view s);

/// Decodes application/x-www-form-urlencoded text ('+' is a space). Returns nullopt on a
/// malformed escape such as "%G1" or a truncated "%4".
std::optional<std::string> form_decode(std::string_view s);

/// Decodes a URL's path (`plus_is_space` false) or query (true) leniently, as browsers send
/// what people type: a '%' not followed by two hex digits stays as it is.
std::string url_decode(std::string_view s, bool plus_is_space);

/// `s` without leading and trailing ASCII white space.
std::string_view trim(std::string_view s);

/// A copy safe for one log line: control bytes become '?', and past `max` bytes it is cut
/// with "...", so a hostile path cannot forge log lines or flood the log.
std::string printable(std::string_view s, std::size_t max = 200);

/// Lower-cased ASCII copy, for case-insensitive comparisons of schemes and header values.
std::string ascii_lower(std::string_view s);

/// Equal but for the case of ASCII letters (header names, tokens), without a copy.
bool iequals(std::string_view a, std::string_view b);

}  // namespace proof::core::text
