// text.h: the byte-level checks every request body passes before anything else reads it.
#include <catch2/catch.hpp>
#include <string>

#include "core/text.h"

using namespace std::string_literals;
namespace text = proof::core::text;

TEST_CASE("Text: plain ASCII and well-formed multibyte UTF-8 are valid", "[text][utf8]") {
  CHECK(text::is_valid_utf8(""));
  CHECK(text::is_valid_utf8("Jane Doe"));
  CHECK(text::is_valid_utf8("Zo\xC3\xAB"));           // ë, 2 bytes
  CHECK(text::is_valid_utf8("\xE2\x82\xAC 5"));       // €, 3 bytes
  CHECK(text::is_valid_utf8("hi \xF0\x9F\x8E\x89"));  // 🎉, 4 bytes
  CHECK(text::is_valid_utf8("\xF4\x8F\xBF\xBF"));     // U+10FFFF, the last code point
  CHECK(text::is_valid_utf8("\xED\x9F\xBF"));         // U+D7FF, just below surrogates
  CHECK(text::is_valid_utf8("\xEE\x80\x80"));         // U+E000, just above them
  CHECK(text::is_valid_utf8("a\0b"s));                // NUL is valid UTF-8 (a control)
}

TEST_CASE("Text: overlong encodings are refused", "[text][utf8]") {
  CHECK_FALSE(text::is_valid_utf8("\xC0\xAF"));  // '/' in 2 bytes
  CHECK_FALSE(text::is_valid_utf8("\xC1\xBF"));
  CHECK_FALSE(text::is_valid_utf8("\xE0\x80\xAF"));      // '/' in 3 bytes
  CHECK_FALSE(text::is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in 3 bytes
  CHECK_FALSE(text::is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in 4 bytes
  CHECK_FALSE(text::is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in 4 bytes
}

TEST_CASE("Text: UTF-16 surrogates and code points above U+10FFFF are refused", "[text][utf8]") {
  CHECK_FALSE(text::is_valid_utf8("\xED\xA0\x80"));              // U+D800
  CHECK_FALSE(text::is_valid_utf8("\xED\xBF\xBF"));              // U+DFFF
  CHECK_FALSE(text::is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 surrogate pair
  CHECK_FALSE(text::is_valid_utf8("\xF4\x90\x80\x80"));          // U+110000
  CHECK_FALSE(text::is_valid_utf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(text::is_valid_utf8("\xFF"));
  CHECK_FALSE(text::is_valid_utf8("\xFE"));
}

TEST_CASE("Text: truncated and stray bytes are refused", "[text][utf8]") {
  CHECK_FALSE(text::is_valid_utf8("\xC3"));          // lead byte, nothing after
  CHECK_FALSE(text::is_valid_utf8("abc\xE2\x82"));   // 3-byte sequence cut at the end
  CHECK_FALSE(text::is_valid_utf8("\xF0\x9F\x8E"));  // emoji cut short
  CHECK_FALSE(
      text::is_valid_utf8("\xF0\x9F\x8E"
                          "A"));             // cut short, then ASCII
  CHECK_FALSE(text::is_valid_utf8("\x80"));  // lone continuation byte
  CHECK_FALSE(
      text::is_valid_utf8("a\xBF"
                          "b"));
  CHECK_FALSE(text::is_valid_utf8("\xC3\xA9\xA9"));  // one continuation too many
}

TEST_CASE("Text: C0 controls, DEL and C1 controls are found", "[text][controls]") {
  CHECK(text::has_control_chars("a\0b"s));
  CHECK(text::has_control_chars("line\nbreak"));
  CHECK(text::has_control_chars("carriage\rreturn"));
  CHECK(text::has_control_chars("tab\there"));
  CHECK(text::has_control_chars("\x1B[31mred"));
  CHECK(text::has_control_chars("\x1F"));
  CHECK(text::has_control_chars("del\x7F"));
  CHECK(text::has_control_chars("next\xC2\x85line"));  // U+0085 NEL
  CHECK(text::has_control_chars("\xC2\x80"));          // U+0080
  CHECK(text::has_control_chars("\xC2\x9F"));          // U+009F
}

TEST_CASE("Text: printable characters, NBSP and accents are not controls", "[text][controls]") {
  CHECK_FALSE(text::has_control_chars(""));
  CHECK_FALSE(text::has_control_chars("Jane Doe ~!@#$%^&*()"));
  CHECK_FALSE(
      text::has_control_chars("a\xC2\xA0"
                              "b"));                     // U+00A0 no-break space
  CHECK_FALSE(text::has_control_chars("caf\xC3\xA9"));   // é
  CHECK_FALSE(text::has_control_chars("\xC2\xA9"));      // ©, first byte C2 too
  CHECK_FALSE(text::has_control_chars("\xE2\x80\xA8"));  // U+2028 is not a C0/C1 control
  CHECK_FALSE(text::has_control_chars("\xF0\x9F\x8E\x89"));
}

TEST_CASE("Text: code_points counts characters, not bytes", "[text]") {
  CHECK(text::code_points("") == 0);
  CHECK(text::code_points("abc") == 3);
  CHECK(text::code_points("caf\xC3\xA9") == 4);
  CHECK(text::code_points("\xE2\x82\xAC\xE2\x82\xAC") == 2);
  CHECK(text::code_points("\xF0\x9F\x8E\x89!") == 2);
}

TEST_CASE("Text: form_decode turns + into space and decodes %XX", "[text][form]") {
  CHECK(text::form_decode("") == ""s);
  CHECK(text::form_decode("Jane+Doe") == "Jane Doe"s);
  CHECK(text::form_decode("%41") == "A"s);
  CHECK(text::form_decode("%4a%4A") == "JJ"s);
  CHECK(text::form_decode("a%2Bb") == "a+b"s);  // an escaped plus stays a plus
  CHECK(text::form_decode("100%25") == "100%"s);
  CHECK(text::form_decode("caf%C3%A9") == "caf\xC3\xA9"s);
  CHECK(text::form_decode("%00") == "\0"s);
  CHECK(text::form_decode("x%20y%3Dz%26") == "x y=z&"s);
}

TEST_CASE("Text: form_decode refuses malformed and truncated escapes", "[text][form]") {
  CHECK_FALSE(text::form_decode("%G1").has_value());
  CHECK_FALSE(text::form_decode("%1G").has_value());
  CHECK_FALSE(text::form_decode("%4").has_value());
  CHECK_FALSE(text::form_decode("%").has_value());
  CHECK_FALSE(text::form_decode("abc%").has_value());
  CHECK_FALSE(text::form_decode("abc%4").has_value());
  CHECK_FALSE(text::form_decode("%%41").has_value());
  CHECK_FALSE(text::form_decode("% 1").has_value());
}

TEST_CASE("Text: trim removes ASCII white space at both ends only", "[text]") {
  CHECK(text::trim("") == "");
  CHECK(text::trim("   ") == "");
  CHECK(text::trim("  Jane Doe \t\r\n") == "Jane Doe");
  CHECK(text::trim("\tx") == "x");
  CHECK(text::trim("a  b") == "a  b");
  CHECK(text::trim("\xC2\xA0x\xC2\xA0") == "\xC2\xA0x\xC2\xA0");  // NBSP is not ASCII space
}

TEST_CASE("Text: ascii_lower lowers ASCII letters and leaves other bytes alone", "[text]") {
  CHECK(text::ascii_lower("HTTPS://Shop.Example") == "https://shop.example");
  CHECK(text::ascii_lower("\xC3\x89T\xC3\x89") == "\xC3\x89t\xC3\x89");
  CHECK(text::ascii_lower("09@[`{") == "09@[`{");
}

TEST_CASE("Text: printable makes a value safe for one log line", "[text][log]") {
  CHECK(text::printable("GET /index.html") == "GET /index.html");
  CHECK(text::printable("a\nFAKE LOG LINE\r\x1B[31m\x7F") == "a?FAKE LOG LINE??[31m?");
  CHECK(text::printable("caf\xC3\xA9") == "caf\xC3\xA9");  // UTF-8 text stays readable
  CHECK(text::printable(std::string(500, 'x')) == std::string(200, 'x') + "...");
  CHECK(text::printable("abcdef", 3) == "abc...");
  CHECK(text::printable("abc", 3) == "abc");
  CHECK(text::printable("") == "");
}
