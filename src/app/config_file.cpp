#include "app/config_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "core/error_text.h"

namespace proof::app {

namespace {

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

void skip_space(std::string_view& rest) {
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
}

/// Reads a quoted string at the front of `rest` ("..." with \" and \\ escapes, or '...' taken
/// as it is) and removes it from `rest`; nullopt-like false when the quote is not closed.
bool take_quoted(std::string_view& rest, std::string& out) {
  const char quote = rest.front();
  rest.remove_prefix(1);
  while (!rest.empty()) {
    const char c = rest.front();
    rest.remove_prefix(1);
    if (c == quote) return true;
    if (c == '\\' && quote == '"' && !rest.empty()) {
      out += rest.front();
      rest.remove_prefix(1);
      continue;
    }
    out += c;
  }
  return false;
}

/// A value without quotes runs to a comment (" #") or the end of the line.
std::string take_bare(std::string_view& rest, std::string_view stop) {
  std::size_t end = 0;
  while (end < rest.size() && stop.find(rest[end]) == std::string_view::npos) {
    if (rest[end] == '#' && end > 0 && (rest[end - 1] == ' ' || rest[end - 1] == '\t')) break;
    ++end;
  }
  std::string value(rest.substr(0, end));
  rest.remove_prefix(end);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  return value;
}

bool only_comment_left(std::string_view rest) {
  skip_space(rest);
  return rest.empty() || rest.front() == '#';
}

}  // namespace

std::vector<ConfigEntry> parse_config_text(std::string_view text, const std::string& file) {
  std::vector<ConfigEntry> entries;
  int number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view rest = text.substr(0, newline);
    const std::string whole(rest);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++number;
    if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
    const auto error = [&](const std::string& message) {
      return ConfigFileError(fmt::format("{}:{}: {}", file, number, message));
    };

    skip_space(rest);
    if (rest.empty() || rest.front() == '#' || rest.front() == ';') continue;
    if (rest.front() == '[') {
      throw error("sections such as " + std::string(rest) +
                  " are not used: write every key = value at the top level");
    }
    ConfigEntry entry;
    entry.line = number;
    while (!rest.empty() && is_key_char(rest.front())) {
      entry.key += rest.front();
      rest.remove_prefix(1);
    }
    skip_space(rest);
    if (entry.key.empty() || rest.empty() || rest.front() != '=') {
      throw error("expected key = value, found '" + whole + "'");
    }
    rest.remove_prefix(1);
    skip_space(rest);
    if (!rest.empty() && rest.front() == '[') {
      entry.is_list = true;
      rest.remove_prefix(1);
      for (;;) {
        skip_space(rest);
        if (rest.empty()) throw error(entry.key + ": the list has no closing ]");
        if (rest.front() == ']') {
          rest.remove_prefix(1);
          break;
        }
        std::string value;
        if (rest.front() == '"' || rest.front() == '\'') {
          if (!take_quoted(rest, value)) throw error(entry.key + ": a quote is not closed");
        } else {
          value = take_bare(rest, ",]");
        }
        entry.values.push_back(std::move(value));
        skip_space(rest);
        if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
      }
    } else {
      std::string value;
      if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
        if (!take_quoted(rest, value)) throw error(entry.key + ": a quote is not closed");
      } else {
        value = take_bare(rest, "");
      }
      entry.values.push_back(std::move(value));
    }
    if (!only_comment_left(rest)) {
      throw error(entry.key + ": unexpected '" + std::string(rest) + "' after the value");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<ConfigEntry> read_config_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigFileError(file + ": cannot read the file: " + core::error_text(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config_text(text.str(), file);
}

}  // namespace proof::app
