// The files under --public-dir (widget, demo page, images): safe path resolution, content
// types and cache validators. Files are read on each request so an operator can drop an
// image into public/ without a restart.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace proof::http {

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;           ///< weak validator from size and modification time
  std::string last_modified;  ///< IMF-fixdate
};

/// One byte range of a file, from a Range header: `first` to `last`, both included.
struct ByteRange {
  std::size_t first = 0;
  std::size_t last = 0;
};

/// What a Range header asks of a file of `size` bytes.
struct RangeAnswer {
  enum class Kind {
    kWhole,         ///< no range asked (or not in bytes): the whole file, 200
    kPart,          ///< one satisfiable range: 206 with Content-Range
    kUnsatisfiable  ///< 416: malformed, beyond the end, or several ranges
  } kind = Kind::kWhole;
  ByteRange range;
};
/// Reads `Range: bytes=A-B`, `bytes=A-` and `bytes=-N` (RFC 9110 14.1.2); a list of several
/// ranges is refused, since answering each in a multipart body would let a small request
/// ask for a large answer.
RangeAnswer byte_range(std::string_view range_header, std::size_t size);

/// Whether an Accept-Encoding header accepts gzip (named with a q-value above 0, or "*").
bool accepts_gzip(std::string_view accept_encoding);

/// `data` compressed as a gzip member (RFC 1952), at zlib's best compression.
std::string gzip(std::string_view data);

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  /// Maps a decoded URL path to a regular file under the root, or nullopt. Refuses "..",
  /// hidden names, backslashes and NULs, and anything whose real path leaves the root.
  std::optional<std::filesystem::path> resolve(std::string_view url_path) const;

  /// The file for `url_path`, or nullopt when there is none to serve.
  std::optional<StaticFile> load(std::string_view url_path) const;

  /// Content type by file extension; unknown ones are served as application/octet-stream.
  static std::string_view content_type(const std::filesystem::path& file);

  /// True when a conditional request's validators match, so 304 Not Modified is the answer.
  static bool not_modified(const StaticFile& file, std::string_view if_none_match,
                           std::string_view if_modified_since);

  /// The file's version for a URL that can be cached for good (`/proof.js?v=VERSION`): the
  /// first 12 hex digits of the SHA-256 of its bytes, so any change gives a new URL.
  static std::string version(const StaticFile& file);

  /// Whether a body of `content_type` is worth compressing (text, scripts, JSON, SVG).
  static bool compressible(std::string_view content_type);

 private:
  std::filesystem::path root_;
};

}  // namespace proof::http
