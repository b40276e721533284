// The files under --public-dir (widget, demo page, images): safe path resolution, content
// types and cache validators. Files are read on each request so an operator can drop an
// image into public/ without a restart.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace proof {

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;           ///< weak validator from size and modification time
  std::string last_modified;  ///< IMF-fixdate
};

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

 private:
  std::filesystem::path root_;
};

}  // namespace proof
