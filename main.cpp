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
  const proof::app::Invocation invocation = proof::app::parse_command_line(argc, argv);
  if (invocation.exit_code) return *invocation.exit_code;
  switch (invocation.command) {
    case proof::app::Command::send:
      return proof::app::send_signup(invocation.settings, invocation.target, invocation.send);
    case proof::app::Command::erase:
      return proof::app::erase_event(invocation.settings, invocation.target, invocation.erase_id);
    case proof::app::Command::stats:
      return proof::app::print_stats(invocation.settings, invocation.target, invocation.stats_days);
    case proof::app::Command::health:
      return proof::app::check_health(invocation.target);
    case proof::app::Command::check_config:
      for (const auto& warning : invocation.warnings) {
        proof::app::report_early(proof::app::EarlyLevel::warning, warning);
      }
      std::cout << proof::app::to_config_text(invocation.settings);
      return proof::app::kExitOk;
    case proof::app::Command::serve:
      break;
  }
  return proof::app::serve(invocation.settings, invocation.warnings);
}
