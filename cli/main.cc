// berth: the command-line client. Flags, output and exit codes follow the
// docker CLI so that a docker user feels at home.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/cli.h"
#include "cli/command_errors.h"
#include "cli/completion.h"
#include "cli/commands/commands.h"
#include "cli/output.h"
#include "services/common/base/version.h"

int main(int argc, char** argv) {
  using berth::cli::Cli;
  Cli cli;
  CLI::App app{"berth: a self-sufficient runtime for containers"};
  app.name("berth");
  app.require_subcommand(0, 1);
  app.fallthrough();
  app.add_option("-H,--host", cli.connection.host, "Daemon socket to connect to");
  app.add_flag("--tls", cli.connection.tls, "Use TLS; implied by --tlsverify");
  app.add_flag("--tlsverify", cli.connection.tlsverify, "Use TLS and verify the remote");
  app.add_option("--tlscacert", cli.connection.tlscacert, "Trust certs signed only by this CA");
  app.add_option("--tlscert", cli.connection.tlscert, "Path to TLS certificate file");
  app.add_option("--tlskey", cli.connection.tlskey, "Path to TLS key file");
  if (const char* env = std::getenv("BERTH_NAMESPACE"); env != nullptr && *env != '\0') {
    Cli::Namespace() = env;
  }
  app.add_option("--namespace", Cli::Namespace(),
                 "Namespace of the objects to work on (k8s.io: the Kubernetes CRI's)");
  bool show_version = false;
  app.add_flag("-v,--version", show_version, "Print version information and quit");
  app.parse_complete_callback(
      [&cli] { cli.connection = berth::cli::ResolveConnection(cli.connection); });

  berth::cli::AddSystemCommands(app, cli);
  berth::cli::AddImageCommands(app, cli);
  berth::cli::AddLoginCommands(app, cli);
  berth::cli::AddVolumeCommands(app, cli);
  berth::cli::AddNetworkCommands(app, cli);
  berth::cli::AddContainerCommands(app, cli);
  berth::cli::AddBuildCommands(app, cli);

  berth::cli::AddCompletionCommands(app, cli);
  if (argc > 1 && std::string(argv[1]) == "__complete") {
    return berth::cli::RunComplete(app, cli, std::vector<std::string>(argv + 2, argv + argc));
  }

  // docker's errors for command words CLI11 would report vaguely ("A
  // subcommand is required", or the extra words listed backwards).
  if (int rc = berth::cli::CheckCommandWords(app, std::vector<std::string>(argv + 1, argv + argc));
      rc >= 0) {
    return rc;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    // docker: "unknown flag: --bogus" / "accepts no arguments".
    std::string what = e.what();
    size_t dash = what.find(" -");
    if (dash != std::string::npos) {
      std::string flag = what.substr(dash + 1);
      flag = flag.substr(0, flag.find(' '));
      std::fprintf(stderr, "unknown flag: %s\nSee 'berth --help'.\n", flag.c_str());
    } else {
      std::fprintf(stderr, "berth: %s\nSee 'berth --help'.\n", what.c_str());
    }
    return berth::cli::kExitUsage;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "berth: %s\nSee 'berth --help'.\n", e.what());
    return berth::cli::kExitUsage;
  }
  if (show_version) {
    std::printf("berth version %s, API %s\n", berth::kVersion, berth::kApiVersion);
    return 0;
  }
  if (app.get_subcommands().empty()) {
    std::printf("%s", app.help().c_str());
    return 0;
  }
  return cli.exit_code;
}
