// proof: parse the settings, then serve (app/serve.cpp) or run one of the operator
// commands: `proof send`, `erase`, `stats`, `health`, `check-config`.
#include <iostream>

#include "app/command_line.h"
#include "app/config.h"
#include "app/erase.h"
#include "app/health.h"
#include "app/logging.h"
#include "app/send.h"
#include "app/serve.h"
#include "app/settings_text.h"
#include "app/stats.h"

int main(int argc, char** argv) {
  const proof::Invocation invocation = proof::parse_command_line(argc, argv);
  if (invocation.exit_code) return *invocation.exit_code;
  switch (invocation.command) {
    case proof::Command::send:
      return proof::send_signup(invocation.settings, invocation.target, invocation.send);
    case proof::Command::erase:
      return proof::erase_event(invocation.settings, invocation.target, invocation.erase_id);
    case proof::Command::stats:
      return proof::print_stats(invocation.settings, invocation.target, invocation.stats_days);
    case proof::Command::health:
      return proof::check_health(invocation.target);
    case proof::Command::check_config:
      for (const auto& warning : invocation.warnings) {
        proof::report_early(proof::EarlyLevel::warning, warning);
      }
      std::cout << proof::to_config_text(invocation.settings);
      return proof::kExitOk;
    case proof::Command::serve:
      break;
  }
  return proof::serve(invocation.settings, invocation.warnings);
}
