// The settings written out for people: the start-up line and check-config's file text.
#include "app/settings_text.h"

#include <sstream>

#include "app/settings_table.h"

namespace proof::app {

std::string listen_url(const Settings& s) {
  const bool v6 = s.bind.find(':') != std::string::npos;
  return (s.tls_cert.empty() ? "http://" : "https://") + (v6 ? "[" + s.bind + "]" : s.bind) + ":" +
         std::to_string(s.port);
}

std::string describe(const Settings& s) {
  std::ostringstream out;
  out << "listening on " << listen_url(s);
  for (const auto& spec : settings_table()) {
    if (spec.key == "bind" || spec.key == "port") continue;
    out << ", " << spec.key << ' ';
    if (spec.secret) {
      const bool missing = spec.show(s).empty();
      out << (missing ? (spec.key == "api-key" ? "missing" : "(none)") : "set (redacted)");
      continue;
    }
    const std::string value = bare(spec.show(s));
    out << (value.empty() ? "(none)" : value);
  }
  return out.str();
}

std::string to_config_text(const Settings& s) {
  std::ostringstream out;
  // Unset keys are written as comments, so that the output reads back as it is (an empty
  // list or file name would not).
  for (const auto& spec : settings_table()) {
    if (spec.secret && spec.kind == SettingSpec::Kind::list) {
      // Commented out: a file written from this must not hold a made-up secret.
      out << "# " << spec.key << " = " << (spec.show(s).empty() ? "[] (none)" : "(set, redacted)")
          << '\n';
      continue;
    }
    if (spec.secret && !s.api_key_file.empty()) {
      // The key came from api-key-file, written below: both would be refused on reading back.
      out << "# " << spec.key << " = (read from api-key-file, redacted)\n";
      continue;
    }
    if (spec.secret) {
      out << spec.key << " = " << (s.api_key.empty() ? "\"\"" : "\"(redacted)\"") << '\n';
      continue;
    }
    const std::string value = spec.show(s);
    if (!value.empty()) {
      out << spec.key << " = " << value;
      if (const auto from = s.value_sources.find(spec.key); from != s.value_sources.end()) {
        out << "  # from " << from->second;
      }
      out << '\n';
    } else if (spec.kind == SettingSpec::Kind::list) {
      out << "# " << spec.key << " = [] (none)\n";
    } else {
      out << "# " << spec.key << " = (not set)\n";
    }
  }
  if (!s.secret_sources.empty()) out << "# where the secrets came from (never printed):\n";
  for (const auto& line : s.secret_sources) out << "#   " << line << '\n';
  return out.str();
}

}  // namespace proof::app
