#include "core/error_text.h"

#include <cstring>

namespace proof::core {

std::string error_text(int errnum) {
  char buffer[256];
  // The GNU strerror_r (what glibc gives C++, which defines _GNU_SOURCE): it returns the
  // message, which is either in buffer or a static string, never a status code.
  return ::strerror_r(errnum, buffer, sizeof buffer);
}

}  // namespace proof::core
