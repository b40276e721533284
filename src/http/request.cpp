#include "http/request.h"

#include "core/text.h"

namespace proof::http {

Request::Request(const net::Request& raw) : raw_(raw) {
  const std::string_view target = raw_.head.target;
  const std::size_t question = target.find('?');
  path_ = target.substr(0, question);
  if (question == std::string_view::npos) return;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    params_.emplace_back(core::text::url_decode(pair.substr(0, eq), true),
                         eq == std::string_view::npos
                             ? std::string()
                             : core::text::url_decode(pair.substr(eq + 1), true));
  }
}

std::string Request::decoded_path() const {
  return core::text::url_decode(path_, false);
}

std::string_view Request::header(std::string_view name) const {
  for (const auto& h : raw_.head.headers) {
    if (core::text::iequals(h.name, name)) return h.value;
  }
  return {};
}

std::size_t Request::header_count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& h : raw_.head.headers) n += core::text::iequals(h.name, name) ? 1 : 0;
  return n;
}

std::string Request::joined_header(std::string_view name) const {
  std::string out;
  for (const auto& h : raw_.head.headers) {
    if (!core::text::iequals(h.name, name)) continue;
    if (!out.empty()) out += ", ";
    out += h.value;
  }
  return out;
}

std::string Request::param(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

std::size_t Request::param_count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& [key, value] : params_) n += key == name ? 1 : 0;
  return n;
}

}  // namespace proof::http
