// Whether the tests run in CI (CI=true, as .ci/run sets it), where a test that cannot run
// for a missing tool fails instead of reporting itself skipped: scripts/install-deps.sh
// --test installs every tool, so a skip there means an install is broken (as
// tests/support/tools.py says for the Python and script tests).
#pragma once

#include <cstdlib>
#include <string_view>

namespace proof::test {

inline bool in_ci() {
  const char* ci = std::getenv("CI");  // NOLINT(concurrency-mt-unsafe): read before threads
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace proof::test
