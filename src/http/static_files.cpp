#include "http/static_files.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "core/digest.h"
#include "core/encoding.h"
#include "core/text.h"

namespace proof::http {

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

std::string StaticFiles::version(const StaticFile& file) {
  return core::to_hex(core::sha256(file.body)).substr(0, 12);
}

bool StaticFiles::compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
         content_type.starts_with("image/svg+xml");
}

RangeAnswer byte_range(std::string_view range_header, std::size_t size) {
  using Kind = RangeAnswer::Kind;
  const std::string_view value = core::text::trim(range_header);
  constexpr std::string_view kBytes = "bytes=";
  if (value.empty() || value.size() < kBytes.size() ||
      !core::text::iequals(value.substr(0, kBytes.size()), kBytes)) {
    return {};  // another unit, or none: the whole representation (RFC 9110 14.2)
  }
  const std::string_view spec = core::text::trim(value.substr(kBytes.size()));
  if (spec.find(',') != std::string_view::npos) return {Kind::kUnsatisfiable, {}};
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {Kind::kUnsatisfiable, {}};
  const auto number = [](std::string_view digits) -> std::optional<std::size_t> {
    if (digits.empty() || digits.size() > 18) return std::nullopt;
    std::size_t n = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
  };
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  if (first_text.empty()) {  // bytes=-N: the last N bytes
    const auto suffix = number(last_text);
    if (!suffix || *suffix == 0 || size == 0) return {Kind::kUnsatisfiable, {}};
    return {Kind::kPart, {size - std::min(*suffix, size), size - 1}};
  }
  const auto first = number(first_text);
  if (!first || *first >= size) return {Kind::kUnsatisfiable, {}};
  if (last_text.empty()) return {Kind::kPart, {*first, size - 1}};
  const auto last = number(last_text);
  if (!last || *last < *first) return {Kind::kUnsatisfiable, {}};
  return {Kind::kPart, {*first, std::min(*last, size - 1)}};
}

bool accepts_gzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const std::size_t comma = accept_encoding.find(',');
    const std::string_view element = core::text::trim(accept_encoding.substr(0, comma));
    accept_encoding =
        comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
    const std::size_t semicolon = element.find(';');
    const std::string_view coding = core::text::trim(element.substr(0, semicolon));
    if (!core::text::iequals(coding, "gzip") && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    // "gzip;q=0" refuses it; any other weight accepts it.
    std::string_view q = core::text::trim(element.substr(semicolon + 1));
    if (q.size() < 2 || !core::text::iequals(q.substr(0, 2), "q=")) return true;
    q.remove_prefix(2);
    return q.find_first_not_of("0.") != std::string_view::npos;
  }
  return false;
}

std::string gzip(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib could not start a gzip stream");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib could not compress a file");
  return out;
}

}  // namespace proof::http
