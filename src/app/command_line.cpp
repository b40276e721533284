// CLI11 wiring: one option per row of the settings table, the subcommands and their own
// options, then the values handed over as text to collect() and validate().
#include "app/command_line.h"

#include <CLI/CLI.hpp>
#include <map>
#include <vector>

#include "app/logging.h"
#include "app/probes.h"
#include "app/secret_files.h"
#include "app/settings_check.h"
#include "app/settings_sources.h"
#include "app/settings_table.h"

#ifndef PROOF_VERSION
#error "PROOF_VERSION comes from project(VERSION) in CMakeLists.txt"
#endif

namespace proof::app {

const char* const kVersion = PROOF_VERSION;

namespace {

/// The values CLI11 fills, and the options that tell which were given.
struct CommandLineValues {
  GivenValues values;
  std::map<std::string, std::vector<CLI::Option*>> options;

  /// The values, with the keys whose flag was given, once argv is parsed.
  GivenValues given() const {
    GivenValues out = values;
    for (const auto& [key, list] : options) {
      for (const auto* option : list) {
        if (option->count() > 0) out.given.insert(key);
      }
    }
    return out;
  }
};

void add_setting(CLI::App& app, const SettingSpec& spec, CommandLineValues& values) {
  static const Settings defaults;
  const std::string name = "--" + spec.key;
  CLI::Option* option = nullptr;
  switch (spec.kind) {
    case SettingSpec::Kind::flag:
      option = app.add_flag(name, values.values.flag[spec.key], spec.help);
      break;
    case SettingSpec::Kind::list:
      option =
          app.add_option(name, values.values.list[spec.key], spec.help)->type_name(spec.value_name);
      break;
    case SettingSpec::Kind::scalar:
      option = app.add_option(name, values.values.scalar[spec.key], spec.help)
                   ->type_name(spec.value_name);
      if (!spec.secret) {
        const std::string shown = bare(spec.show(defaults));
        if (!shown.empty()) option->default_str(shown);
      }
      break;
  }
  values.options[spec.key].push_back(option);
}

/// The options every command that talks to a running server takes.
void add_target_options(CLI::App& command, CommandLineValues& values, ServerTarget& target) {
  command.add_option("--config", values.values.config_file, "Read the key and address from FILE")
      ->type_name("FILE");
  for (const auto& spec : settings_table()) {
    if (spec.key == "api-key" || spec.key == "api-key-file") add_setting(command, spec, values);
  }
  command
      .add_option("--url", target.url,
                  "Server to talk to, e.g. https://proof.example (default: the bind and "
                  "port of the settings)")
      ->type_name("URL");
  command.add_option("--ca-cert", target.ca_cert, "PEM certificate to trust for an https --url")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
}

/// The server's own address as a URL, for the operator commands run on the server's machine.
std::string own_url(const Settings& s) {
  std::string host = s.bind;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return (s.tls_cert.empty() ? "http://" : "https://") + host + ":" + std::to_string(s.port);
}

/// The subcommands, as CLI11 options bound to `result` and `values`.
struct Subcommands {
  CLI::App* send;
  CLI::App* erase;
  CLI::App* stats;
  CLI::App* health;
  CLI::App* check_config;

  bool talks_to_server() const { return send->parsed() || erase->parsed() || stats->parsed(); }
};

Subcommands add_subcommands(CLI::App& app, CommandLineValues& values, Invocation& result) {
  Subcommands c{};
  c.send = app.add_subcommand("send",
                              "Post a test signup to a running server; prints the new event's id");
  add_target_options(*c.send, values, result.target);
  c.send->add_option("--user", result.send.user, "user_name of the signup")->required();
  c.send->add_option("--offer", result.send.offer, "offer_name of the signup")->required();
  c.send->add_option("--city", result.send.city, "city of the signup");
  c.send->add_option("--img", result.send.img, "img_path of the signup");
  c.send->add_option("--link", result.send.link, "url a click on the card leads to");

  c.erase = app.add_subcommand(
      "erase", "Erase an event from a running server's history and from every open page");
  add_target_options(*c.erase, values, result.target);
  c.erase->add_option("ID", result.erase_id, "The event's id (as `proof send` printed it)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& id) {
            return !id.empty() && id.find_first_not_of("0123456789") == std::string::npos
                       ? std::string()
                       : "an event id is digits only";
          },
          "DIGITS"));

  c.stats = app.add_subcommand(
      "stats", "Print a running server's daily counts: published, shown, clicks, CTR, peak pages");
  add_target_options(*c.stats, values, result.target);
  c.stats->add_option("--days", result.stats_days, "Days to show, ending today (1 to 400)")
      ->check(CLI::Range(1, 400))
      ->default_str("30");

  // No key: /healthz answers anyone. The settings (flags, PROOF_ variables, PROOF_CONFIG)
  // give the address, so that a container's HEALTHCHECK reads what its server read.
  c.health = app.add_subcommand(
      "health",
      "Ask a running server's /healthz; exit status 0 when it answers 200 (a container's "
      "HEALTHCHECK)");
  c.health->add_option("--config", values.values.config_file, "Read the address from FILE")
      ->type_name("FILE");
  c.health
      ->add_option("--url", result.target.url,
                   "Server to ask, e.g. https://proof.example (default: the bind and port of "
                   "the settings)")
      ->type_name("URL");
  c.health
      ->add_option("--ca-cert", result.target.ca_cert,
                   "PEM certificate to trust for an https --url")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");

  c.check_config =
      app.add_subcommand("check-config",
                         "Validate the settings (--config FILE and any flags) and print the "
                         "effective ones with the key redacted; exit status 0 when valid");
  for (auto* command : {c.send, c.erase, c.stats, c.health, c.check_config}) {
    command->fallthrough();
  }
  app.require_subcommand(0, 1);
  return c;
}

/// After CLI11 has split argv: the settings collected and checked for the command given.
void finish(const Subcommands& c, const CommandLineValues& values, Invocation& result) {
  Origins origins;
  result.settings = collect(values.given(), origins);
  if (c.health->parsed()) {
    result.command = Command::health;
    if (result.target.url.empty()) {
      result.target.url = own_url(result.settings);
      // Its own server, by the address it listens on, which the certificate does not name
      // (it names the public host); no key is sent, and the answer says only "up".
      result.target.verify_certificate = false;
    }
    return;
  }
  if (c.talks_to_server()) {
    result.command = c.send->parsed()    ? Command::send
                     : c.erase->parsed() ? Command::erase
                                         : Command::stats;
    resolve_api_key(result.settings, origins);
    require_key(result.settings);
    if (result.target.url.empty()) result.target.url = own_url(result.settings);
    return;
  }
  result.warnings = validate(result.settings, origins);
  if (!c.check_config->parsed()) return;
  result.command = Command::check_config;
  // What the server would meet at start, said now: a wrong password is not left to a
  // restart to find out.
  const RedisCheck redis = check_redis(result.settings);
  const auto it = origins.of_key.find("redis");
  const std::string source = it == origins.of_key.end() ? "redis" : it->second.at;
  if (redis.refusal) throw BadSettings(source + ": " + *redis.refusal);
  if (redis.unreachable) result.warnings.push_back(source + ": " + *redis.unreachable);
}

}  // namespace

Invocation parse_command_line(int argc, const char* const* argv) {
  Invocation result;
  CommandLineValues values;
  CLI::App app{
      "proof: self-hosted social proof. Signups POSTed to /signup, and verified purchases "
      "from shop platforms' webhooks (/hooks), reach every open page over Server-Sent Events.",
      "proof"};
  app.set_version_flag("--version", std::string("proof ") + kVersion);
  app.footer(
      "Every setting is also an environment variable: PROOF_ and the name in capitals, - as _ "
      "(PROOF_MAX_SUBSCRIBERS=500; a list's values separated by spaces; PROOF_CONFIG for "
      "--config). A flag overrides the variable, which overrides the --config file.\n"
      "Exit status: 0 ok, 1 runtime failure, 2 bad settings.");
  app.add_option("--config", values.values.config_file,
                 "Read settings from FILE (key = value lines; see proof.conf.example)")
      ->type_name("FILE");
  for (const auto& spec : settings_table()) add_setting(app, spec, values);
  const Subcommands commands = add_subcommands(app, values, result);

  try {
    app.parse(argc, argv);
    finish(commands, values, result);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, --version
      app.exit(e);
      result.exit_code = kExitOk;
    } else {
      report_early(EarlyLevel::error, std::string(e.what()) + " (see proof --help)");
      result.exit_code = kExitBadSettings;
    }
  } catch (const BadSettings& e) {
    report_early(EarlyLevel::error, e.what());
    result.exit_code = kExitBadSettings;
  }
  return result;
}

}  // namespace proof::app
