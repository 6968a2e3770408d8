// berth login, berth logout: as docker's.

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "berth/images/v1/images.grpc.pb.h"
#include "cli/auth_config.h"
#include "cli/commands/commands.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

int Login(Cli& cli, std::string server, std::string username, std::string password,
          bool password_stdin) {
  if (server.empty()) server = "docker.io";
  if (password_stdin) {
    if (username.empty()) {
      std::fprintf(stderr, "Must provide --username with --password-stdin\n");
      return kExitUsage;
    }
    std::getline(std::cin, password);
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
  } else if (!password.empty()) {
    std::fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  }
  if (username.empty() || password.empty()) {
    std::fprintf(stderr, "Error: Cannot perform an interactive login from a non TTY device\n");
    return kExitDaemonError;
  }
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr) return cli.exit_code;
  auto stub = berth::images::v1::Images::NewStub(channel);
  berth::images::v1::LoginRequest request;
  request.mutable_auth()->set_username(username);
  request.mutable_auth()->set_password(password);
  request.mutable_auth()->set_server_address(server);
  berth::images::v1::LoginResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Login(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  absl::Status stored = StoreCredentials(server, {username, password});
  if (!stored.ok()) {
    std::fprintf(stderr, "Error saving credentials: %s\n", std::string(stored.message()).c_str());
    return kExitDaemonError;
  }
  std::printf("Login Succeeded\n");
  return 0;
}

int Logout(const std::string& server_flag) {
  std::string server = server_flag.empty() ? "docker.io" : server_flag;
  auto removed = RemoveCredentials(server);
  if (!removed.ok()) {
    std::fprintf(stderr, "%s\n", std::string(removed.status().message()).c_str());
    return kExitDaemonError;
  }
  if (!*removed) {
    std::printf("Not logged in to %s\n", RegistryKey(server).c_str());
  } else {
    std::printf("Removing login credentials for %s\n", RegistryKey(server).c_str());
  }
  return 0;
}

}  // namespace

void AddLoginCommands(CLI::App& app, Cli& cli) {
  struct Flags {
    std::string server, username, password;
    bool password_stdin = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* login = app.add_subcommand("login", "Log in to a registry");
  login->add_option("-u,--username", flags->username, "Username");
  login->add_option("-p,--password", flags->password, "Password");
  login->add_flag("--password-stdin", flags->password_stdin, "Take the password from stdin");
  login->add_option("server", flags->server, "Registry (default docker.io)");
  login->callback([&cli, flags] {
    cli.exit_code = Login(cli, flags->server, flags->username, flags->password, flags->password_stdin);
  });
  CLI::App* logout = app.add_subcommand("logout", "Log out from a registry");
  logout->add_option("server", flags->server, "Registry (default docker.io)");
  logout->callback([&cli, flags] { cli.exit_code = Logout(flags->server); });
}

}  // namespace berth::cli
