// A fresh directory under the system temp dir for one test, removed again at its end.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace proof::test {

struct TempDir {
  std::filesystem::path path;
  /// `kind` names the tests in the directory's name, for whoever finds one left behind.
  explicit TempDir(const std::string& kind) {
    static std::atomic<int> counter{0};
    path =
        std::filesystem::temp_directory_path() /
        ("proof-unit-" + kind + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace proof::test
