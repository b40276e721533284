#include "http/static_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <fstream>
#include <sstream>

namespace proof {

namespace fs = std::filesystem;

namespace {

std::string http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 64> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return {buf.data(), n};
}

}  // namespace

StaticFiles::StaticFiles(fs::path root) {
  std::error_code ec;
  root_ = fs::weakly_canonical(root, ec);
  if (ec) root_ = std::move(root);
}

std::optional<fs::path> StaticFiles::resolve(std::string_view url_path) const {
  if (url_path.empty() || url_path.front() != '/') return std::nullopt;
  if (url_path.find('\0') != std::string_view::npos ||
      url_path.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  fs::path relative;
  std::string_view rest = url_path.substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty()) continue;
    if (segment.front() == '.') return std::nullopt;  // "..", ".", and hidden files
    relative /= std::string(segment);
  }
  fs::path candidate = root_ / relative;
  std::error_code ec;
  if (fs::is_directory(candidate, ec)) {
    candidate /= "index.html";
  } else if (url_path.back() == '/') {
    return std::nullopt;  // "/proof.js/" names a directory that is not there
  } else if (!candidate.has_extension() && !fs::exists(candidate, ec)) {
    candidate += ".html";  // clean addresses: /admin is public/admin.html
  }
  const fs::path real = fs::canonical(candidate, ec);
  if (ec || !fs::is_regular_file(real, ec)) return std::nullopt;
  // A symlink may point anywhere: serve only what really lies under the root.
  const auto [root_end, unused] =
      std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
  if (root_end != root_.end()) return std::nullopt;
  return real;
}

std::optional<StaticFile> StaticFiles::load(std::string_view url_path) const {
  const auto path = resolve(url_path);
  if (!path) return std::nullopt;
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0) return std::nullopt;
  std::ifstream in(*path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  StaticFile file;
  file.body = std::move(body).str();
  file.content_type = content_type(*path);
  std::ostringstream etag;
  etag << "W/\"" << std::hex << st.st_size << '-' << st.st_mtim.tv_sec << '-' << st.st_mtim.tv_nsec
       << '"';
  file.etag = etag.str();
  file.last_modified = http_date(st.st_mtim.tv_sec);
  return file;
}

std::string_view StaticFiles::content_type(const fs::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  }};
  const std::string ext = file.extension().string();
  for (const auto& [suffix, type] : kTypes) {
    if (ext == suffix) return type;
  }
  return "application/octet-stream";
}

bool StaticFiles::not_modified(const StaticFile& file, std::string_view if_none_match,
                               std::string_view if_modified_since) {
  // If-None-Match wins when present (RFC 9110 13.2.2); weak comparison suits a GET.
  if (!if_none_match.empty()) {
    return if_none_match == "*" || if_none_match.find(file.etag) != std::string_view::npos;
  }
  return !if_modified_since.empty() && if_modified_since == file.last_modified;
}

}  // namespace proof
