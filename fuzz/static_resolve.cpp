// libFuzzer target: StaticFiles::resolve against a scratch public/ directory that holds
// the traps a real one might: symlinks leading out (to a file, to a directory, absolute),
// a symlink staying inside, hidden files, directories with and without index.html, and a
// sibling directory whose name extends the root's ("root-evil"). Whatever resolves must be
// a regular file whose real path lies under the root, reached without a dot-segment.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "http/static_files.h"
#include "oracle.h"

namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path base;
  fs::path root;  // canonical
  std::unique_ptr<proof::http::StaticFiles> files;
  std::unique_ptr<proof::http::StaticFiles> files_slash;  // configured as "…/root/"

  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "proof-fuzz-static-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    base = fs::canonical(tmpl);
    root = base / "root";
    const fs::path out = base / "root-evil";
    for (const auto& dir : {root, root / "img", root / "sub", root / "empty", out}) {
      fs::create_directories(dir);
    }
    const auto write = [](const fs::path& p) { std::ofstream(p) << p.filename().string(); };
    write(root / "index.html");
    write(root / "proof.js");
    write(root / "img" / "a.svg");
    write(root / "sub" / "index.html");
    write(root / ".env");
    write(root / "img" / ".secret");
    write(out / "secret");
    write(out / "index.html");
    fs::create_symlink(out / "secret", root / "link_out");
    fs::create_symlink("../root-evil", root / "link_dir_out");
    fs::create_symlink("/etc/passwd", root / "link_abs");
    fs::create_symlink("img/a.svg", root / "link_in");
    fs::create_symlink("..", root / "img" / "up");  // a loop back to the root: inside
    files = std::make_unique<proof::http::StaticFiles>(root);
    files_slash = std::make_unique<proof::http::StaticFiles>(root.string() + "/");

    // The target is worthless if nothing ever resolves: check the plain cases once.
    for (const auto* f : {files.get(), files_slash.get()}) {
      if (f->resolve("/img/a.svg") != root / "img" / "a.svg" ||
          f->resolve("/") != root / "index.html" ||
          f->resolve("/sub/") != root / "sub" / "index.html" ||
          f->resolve("/link_in") != root / "img" / "a.svg" || f->resolve("/link_out") ||
          f->resolve("/link_abs") || f->resolve("/link_dir_out/secret") || f->resolve("/.env")) {
        proof::fuzz::violated("StaticFiles::resolve fails its plain cases; root as given",
                              f == files.get() ? root.string() : root.string() + "/");
      }
    }
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
};

Scratch* scratch = nullptr;

void check(const proof::http::StaticFiles& files, std::string_view url) {
  const auto got = files.resolve(url);
  if (!got) return;
  const std::string real = got->string();
  const std::string prefix = scratch->root.string() + "/";
  PROOF_FUZZ_CHECK(real.compare(0, prefix.size(), prefix) == 0, real);
  PROOF_FUZZ_CHECK(fs::is_regular_file(*got), real);
  PROOF_FUZZ_CHECK(fs::canonical(*got) == *got, real);
  PROOF_FUZZ_CHECK(real.find("/.") == std::string::npos, real);  // no hidden file served
  // The request itself never climbed or named a hidden entry.
  PROOF_FUZZ_CHECK(!url.empty() && url.front() == '/', url);
  PROOF_FUZZ_CHECK(url.find("/.") == std::string_view::npos, url);
  PROOF_FUZZ_CHECK(url.find('\\') == std::string_view::npos, url);
  PROOF_FUZZ_CHECK(url.find('\0') == std::string_view::npos, url);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  scratch = new Scratch();
  std::atexit([] { delete scratch; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // PATH_MAX territory: only ENAMETOOLONG beyond
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  check(*scratch->files, url);
  check(*scratch->files_slash, url);
  return 0;
}
