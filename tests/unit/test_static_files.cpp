// static_files.h: serving --public-dir without ever leaving it, with cache validators.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/static_files.h"
#include "write_file.h"

namespace fs = std::filesystem;
using proof::http::StaticFile;
using proof::http::StaticFiles;
using proof::test::write_file;

namespace {

/// Sets a file's modification time to `seconds` since the Unix epoch.
void set_mtime(const fs::path& path, std::time_t seconds) {
  const timespec times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

/// A fresh directory tree under the system temp dir, removed again at the end of the test:
///   <base>/public/{index.html, a.js, style.css, logo.svg, data.bin, .hidden, docs/index.html,
///                  empty/, alias.js -> a.js, leak -> ../outside/secret.txt, leakdir -> ../outside}
///   <base>/outside/secret.txt   (must never be served)
///   <base>/public2/secret.txt   (a sibling whose name starts with the root's)
struct PublicDir {
  fs::path base;
  fs::path root;

  PublicDir() {
    static std::atomic<int> counter{0};
    base = fs::temp_directory_path() /
           ("proof-unit-static-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(base);
    root = base / "public";
    write_file(root / "index.html", "<h1>proof</h1>");
    write_file(root / "a.js", "console.log(1);");
    write_file(root / "style.css", "body{}");
    write_file(root / "logo.svg", "<svg/>");
    write_file(root / "data.bin", "\x01\x02");
    write_file(root / ".hidden", "secret");
    write_file(root / "docs" / "index.html", "<h1>docs</h1>");
    fs::create_directories(root / "empty");
    write_file(base / "outside" / "secret.txt", "top secret");
    write_file(base / "public2" / "secret.txt", "sibling secret");
    fs::create_symlink("a.js", root / "alias.js");
    fs::create_symlink("../outside/secret.txt", root / "leak");
    fs::create_symlink("../outside", root / "leakdir");
    fs::create_symlink("../public2/secret.txt", root / "sibling");
  }
  ~PublicDir() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  PublicDir(const PublicDir&) = delete;
  PublicDir& operator=(const PublicDir&) = delete;
};

}  // namespace

TEST_CASE("Static: / and directories serve their index.html", "[static]") {
  const PublicDir dir;
  const StaticFiles files(dir.root);
  CHECK(files.resolve("/") == fs::canonical(dir.root / "index.html"));
  CHECK(files.resolve("/docs") == fs::canonical(dir.root / "docs" / "index.html"));
  CHECK(files.resolve("/docs/") == fs::canonical(dir.root / "docs" / "index.html"));
}

TEST_CASE("Static: a path without extension serves the .html page of that name", "[static]") {
  const PublicDir dir;
  write_file(dir.root / "admin.html", "<p>operator</p>");
  const StaticFiles files(dir.root);
  CHECK(files.resolve("/admin") == fs::canonical(dir.root / "admin.html"));
  CHECK(files.resolve("/admin.html") == fs::canonical(dir.root / "admin.html"));
  CHECK_FALSE(files.resolve("/admin/"));   // not a directory
  CHECK_FALSE(files.resolve("/nothing"));  // no nothing.html either
  CHECK_FALSE(files.resolve("/.hidden"));
}

TEST_CASE("Static: plain files resolve, doubled slashes and symlinks inside the root too",
          "[static]") {
  const PublicDir dir;
  const StaticFiles files(dir.root);
  CHECK(files.resolve("/a.js") == fs::canonical(dir.root / "a.js"));
  CHECK(files.resolve("//a.js") == fs::canonical(dir.root / "a.js"));
  CHECK(files.resolve("/docs//index.html") == fs::canonical(dir.root / "docs" / "index.html"));
  CHECK(files.resolve("/alias.js") == fs::canonical(dir.root / "a.js"));
}

TEST_CASE("Static: paths that climb out, hide or smuggle are refused", "[static][security]") {
  const PublicDir dir;
  const StaticFiles files(dir.root);
  for (const std::string& path : std::vector<std::string>{
           "/../x", "/..", "/../outside/secret.txt", "/a/../../etc/passwd", "/docs/../index.html",
           "/./a.js", "/.hidden", "/docs/.hidden", "/..%2fx", "\\a.js", "/\\a.js",
           "/docs\\index.html", "/..\\outside\\secret.txt", std::string("/a.js\0.png", 10), "a.js",
           "", "/missing.js"}) {
    INFO("'" << path << "'");
    CHECK_FALSE(files.resolve(path).has_value());
    CHECK_FALSE(files.load(path).has_value());
  }
}

TEST_CASE("Static: a symlink pointing outside the root is refused", "[static][security]") {
  const PublicDir dir;
  const StaticFiles files(dir.root);
  REQUIRE(fs::exists(dir.root / "leak"));  // the link works; proof must still refuse it
  CHECK_FALSE(files.resolve("/leak").has_value());
  CHECK_FALSE(files.resolve("/leakdir/secret.txt").has_value());
  CHECK_FALSE(files.load("/leak").has_value());
  // A sibling directory whose name merely starts with the root's name is outside too.
  CHECK_FALSE(files.resolve("/sibling").has_value());
}

TEST_CASE("Static: a directory without index.html is not served", "[static]") {
  const PublicDir dir;
  const StaticFiles files(dir.root);
  CHECK_FALSE(files.resolve("/empty").has_value());
  CHECK_FALSE(files.resolve("/empty/").has_value());
  CHECK_FALSE(files.load("/empty").has_value());
}

TEST_CASE("Static: a root given with a trailing slash serves the same files", "[static]") {
  const PublicDir dir;
  const StaticFiles files(dir.root.string() + "/");
  CHECK(files.resolve("/a.js") == fs::canonical(dir.root / "a.js"));
  CHECK(files.resolve("/") == fs::canonical(dir.root / "index.html"));
  CHECK_FALSE(files.resolve("/leak").has_value());
}

TEST_CASE("Static: content types follow the extension", "[static]") {
  CHECK_THAT(std::string(StaticFiles::content_type("a.js")), Catch::StartsWith("text/javascript"));
  CHECK_THAT(std::string(StaticFiles::content_type("/x/index.html")),
             Catch::StartsWith("text/html"));
  CHECK(StaticFiles::content_type("logo.svg") == "image/svg+xml");
  CHECK_THAT(std::string(StaticFiles::content_type("style.css")), Catch::StartsWith("text/css"));
  CHECK(StaticFiles::content_type("a.png") == "image/png");
  CHECK(StaticFiles::content_type("data.bin") == "application/octet-stream");
  CHECK(StaticFiles::content_type("README") == "application/octet-stream");
  CHECK(StaticFiles::content_type("a.js.bak") == "application/octet-stream");
  // Text types say their charset, so the widget's non-ASCII text is not garbled.
  CHECK_THAT(std::string(StaticFiles::content_type("a.js")), Catch::Contains("charset=utf-8"));
  CHECK_THAT(std::string(StaticFiles::content_type("a.html")), Catch::Contains("charset=utf-8"));
}

TEST_CASE("Static: load gives the body, type, ETag and Last-Modified", "[static]") {
  const PublicDir dir;
  set_mtime(dir.root / "a.js", 784111777);  // RFC 9110's example date
  const StaticFiles files(dir.root);
  const auto file = files.load("/a.js");
  REQUIRE(file);
  CHECK(file->body == "console.log(1);");
  CHECK(file->content_type == StaticFiles::content_type("a.js"));
  CHECK(file->last_modified == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(std::regex_match(file->etag, std::regex(R"(W/"[^"]+")")));

  const auto index = files.load("/");
  REQUIRE(index);
  CHECK(index->body == "<h1>proof</h1>");
  CHECK(index->content_type == StaticFiles::content_type("index.html"));
  CHECK(index->etag != file->etag);
}

TEST_CASE("Static: the ETag changes when the file changes", "[static]") {
  const PublicDir dir;
  const StaticFiles files(dir.root);
  set_mtime(dir.root / "a.js", 1700000000);
  const auto before = files.load("/a.js");
  REQUIRE(before);
  CHECK(files.load("/a.js")->etag == before->etag);  // stable while unchanged

  write_file(dir.root / "a.js", "console.log(2); // longer now");
  set_mtime(dir.root / "a.js", 1700000000);  // same second: the size still tells
  const auto after = files.load("/a.js");
  REQUIRE(after);
  CHECK(after->body == "console.log(2); // longer now");
  CHECK(after->etag != before->etag);

  set_mtime(dir.root / "a.js", 1700000100);
  const auto touched = files.load("/a.js");
  CHECK(touched->etag != after->etag);
  CHECK(touched->last_modified != after->last_modified);
}

TEST_CASE("Static: not_modified answers conditional requests", "[static]") {
  const PublicDir dir;
  const StaticFiles files(dir.root);
  const auto loaded = files.load("/a.js");
  REQUIRE(loaded);
  const StaticFile& f = *loaded;

  CHECK(StaticFiles::not_modified(f, f.etag, ""));
  CHECK(StaticFiles::not_modified(f, "*", ""));
  CHECK(StaticFiles::not_modified(f, "W/\"other\", " + f.etag, ""));  // one of a list
  CHECK_FALSE(StaticFiles::not_modified(f, "W/\"other\"", ""));
  CHECK_FALSE(StaticFiles::not_modified(f, "", ""));

  CHECK(StaticFiles::not_modified(f, "", f.last_modified));
  CHECK_FALSE(StaticFiles::not_modified(f, "", "Sun, 06 Nov 1994 08:49:37 GMT"));
  // If-None-Match wins over If-Modified-Since when both are sent.
  CHECK_FALSE(StaticFiles::not_modified(f, "W/\"other\"", f.last_modified));
  CHECK(StaticFiles::not_modified(f, f.etag, "Sun, 06 Nov 1994 08:49:37 GMT"));
}
