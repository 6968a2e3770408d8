#include "services/builder/dispatch/stage_state.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/builder/dispatch/build_output.h"
#include "services/builder/dispatch/from_image.h"
#include "services/builder/dispatch/run_config.h"
#include "services/builder/dockerfile/parser.h"

namespace berth::builder {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

constexpr char kPath[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::vector<Instruction> Parse(const std::string& lines) {
  absl::StatusOr<Dockerfile> parsed = ParseDockerfile("FROM base\n" + lines);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return {};
  return {parsed->instructions.begin() + 1, parsed->instructions.end()};
}

// Dispatches every line; the last plan, or the first error.
absl::StatusOr<StepPlan> DispatchAll(StageState& state, const std::string& lines) {
  absl::StatusOr<StepPlan> plan = absl::InternalError("no instruction");
  for (const Instruction& instruction : Parse(lines)) {
    plan = state.Dispatch(instruction);
    if (!plan.ok()) return plan;
  }
  return plan;
}

class StageStateTest : public ::testing::Test {
 protected:
  BuildArgs args_;
};

TEST_F(StageStateTest, ScratchGetsDockersDefaultPath) {
  StageState state(nullptr, &args_);
  EXPECT_EQ(state.config()["Env"], json(Strings{kPath}));
  StageState with_path(json{{"Env", {"PATH=/x"}}, {"OpenStdin", true}},
                       &args_);
  EXPECT_EQ(with_path.config()["Env"], json(Strings{"PATH=/x"}));
  EXPECT_EQ(with_path.config()["OpenStdin"], false);
}

TEST_F(StageStateTest, EnvBothFormsAndSeveralPairs) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "ENV A=1 B=\"two words\"\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->kind, StepKind::kMetadata);
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  ENV A=1 B=two words");
  EXPECT_EQ(plan->config["Env"], json(Strings{kPath, "A=1", "B=two words"}));
  EXPECT_EQ(plan->container_config["Cmd"],
            json(Strings{"/bin/sh", "-c", "#(nop) ", "ENV A=1 B=two words"}));

  plan = DispatchAll(state, "ENV LEGACY hello   world\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  ENV LEGACY=hello   world");
  EXPECT_EQ(state.config()["Env"].back(), "LEGACY=hello   world");
}

TEST_F(StageStateTest, EnvReplacesAKeyInPlaceAndExpandsWithTheOldValues) {
  StageState state(json{{"Env", {"PATH=/bin", "A=old", "Z=z"}}}, &args_);
  ASSERT_TRUE(DispatchAll(state, "ENV A=new B=$A C=${PATH}:/opt\n").ok());
  EXPECT_EQ(state.config()["Env"],
            json(Strings{"PATH=/bin", "A=new", "Z=z", "B=old", "C=/bin:/opt"}));
  ASSERT_TRUE(DispatchAll(state, "ENV B=$A\n").ok());
  EXPECT_EQ(state.config()["Env"][3], "B=new");
}

TEST_F(StageStateTest, LabelsMergeWithTheBase) {
  StageState state(json{{"Labels", {{"keep", "1"}, {"over", "base"}}}},
                   &args_);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ENV V=2.0\nLABEL over=mine \"ver\"=$V\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Labels"],
            (json{{"keep", "1"}, {"over", "mine"}, {"ver", "2.0"}}));
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  LABEL over=mine ver=2.0");
}

TEST_F(StageStateTest, ExposePortsProtocolsRangesAndVariables) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ENV PORTS=\"443 9000\"\nEXPOSE 80 53/udp 8000-8002 $PORTS\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["ExposedPorts"],
            (json{{"80/tcp", json::object()},
                  {"53/udp", json::object()},
                  {"8000/tcp", json::object()},
                  {"8001/tcp", json::object()},
                  {"8002/tcp", json::object()},
                  {"443/tcp", json::object()},
                  {"9000/tcp", json::object()}}));
  // The parser sorts the words as docker does, before expansion.
  EXPECT_EQ(plan->created_by,
            "/bin/sh -c #(nop)  EXPOSE 443 9000 53/udp 80 8000-8002");
  absl::StatusOr<StepPlan> bad = DispatchAll(state, "EXPOSE 80/icmp\n");
  EXPECT_EQ(bad.status().message(), "Invalid proto: icmp");
  EXPECT_FALSE(state.config()["ExposedPorts"].contains("80/icmp"));
}

TEST_F(StageStateTest, VolumeJsonAndListForms) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ENV D=/data\nVOLUME [\"$D\", \"/logs\"]\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  VOLUME [/data /logs]");
  plan = DispatchAll(state, "VOLUME /a /b\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Volumes"],
            (json{{"/data", json::object()},
                  {"/logs", json::object()},
                  {"/a", json::object()},
                  {"/b", json::object()}}));
  EXPECT_EQ(DispatchAll(state, "ARG EMPTY\nVOLUME $EMPTY\n").status().message(),
            "VOLUME specified can not be an empty string");
}

TEST_F(StageStateTest, UserAndStopSignal) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ARG U=app\nUSER ${U}:staff\nSTOPSIGNAL SIGRTMIN+3\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["User"], "app:staff");
  EXPECT_EQ(plan->config["StopSignal"], "SIGRTMIN+3");
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  STOPSIGNAL SIGRTMIN+3");
  EXPECT_TRUE(DispatchAll(state, "STOPSIGNAL 9\n").ok());
  EXPECT_TRUE(DispatchAll(state, "STOPSIGNAL term\n").ok());
  EXPECT_EQ(DispatchAll(state, "STOPSIGNAL SIGFOO\n").status().message(),
            "invalid signal: SIGFOO");
  EXPECT_EQ(DispatchAll(state, "STOPSIGNAL 0\n").status().message(),
            "invalid signal: 0");
  EXPECT_EQ(state.config()["StopSignal"], "term");
}

TEST_F(StageStateTest, WorkdirRelativeToThePreviousOne) {
  StageState state(json{{"WorkingDir", "/srv"}}, &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "WORKDIR app\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->kind, StepKind::kWorkdir);
  EXPECT_EQ(plan->directory, "/srv/app");
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop) WORKDIR /srv/app");
  EXPECT_EQ(plan->container_config["Cmd"],
            json(Strings{"/bin/sh", "-c", "#(nop) WORKDIR /srv/app"}));
  plan = DispatchAll(state, "WORKDIR /a\nWORKDIR b/../c/\nENV D=d\nWORKDIR $D\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->directory, "/a/c/d");
  EXPECT_EQ(state.config()["WorkingDir"], "/a/c/d");
  EXPECT_EQ(DispatchAll(state, "ARG NONE\nWORKDIR $NONE\n").status().message(),
            "cannot normalize nothing");
  // docker keeps an absolute path as written; only a relative one is joined
  // and cleaned.
  plan = DispatchAll(state, "WORKDIR /x/../y/\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->directory, "/x/../y/");
}

TEST_F(StageStateTest, EscapeDirectiveAppliesToExpansion) {
  StageState state(json::object(), &args_, '`');
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ENV A=1\nLABEL l=`$A$A\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Labels"]["l"], "$A1");
}

TEST_F(StageStateTest, CmdAndEntrypointJsonAndShellForms) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "CMD [\"nginx\", \"-g\", \"daemon off;\"]\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Cmd"], json(Strings{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(plan->created_by,
            "/bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon off;\"]");

  // Shell form: the current SHELL, and no variable expansion.
  plan = DispatchAll(state, "SHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\n"
                    "ENTRYPOINT exec run $HOME\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Entrypoint"],
            json(Strings{"/bin/bash", "-eo", "pipefail", "-c", "exec run $HOME"}));
  EXPECT_EQ(plan->created_by,
            "/bin/bash -eo pipefail -c #(nop)  ENTRYPOINT [\"/bin/bash\" "
            "\"-eo\" \"pipefail\" \"-c\" \"exec run $HOME\"]");
  // A CMD of this stage survives a later ENTRYPOINT.
  EXPECT_EQ(plan->config["Cmd"], json(Strings{"nginx", "-g", "daemon off;"}));
  EXPECT_FALSE(plan->config.contains("ArgsEscaped"));
}

TEST_F(StageStateTest, EntrypointClearsTheBaseCmd) {
  StageState state(json{{"Cmd", {"bash"}}, {"ArgsEscaped", true}}, &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "ENTRYPOINT [\"/init\"]\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->config["Cmd"].is_null());
  EXPECT_EQ(plan->config["Entrypoint"], json(Strings{"/init"}));
  EXPECT_FALSE(plan->config.contains("ArgsEscaped"));
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  ENTRYPOINT [\"/init\"]");

  // `ENTRYPOINT []` removes the entrypoint, as docker's nil.
  plan = DispatchAll(state, "CMD [\"x\"]\nENTRYPOINT []\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->config["Entrypoint"].is_null());
  EXPECT_EQ(plan->config["Cmd"], json(Strings{"x"}));
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  ENTRYPOINT []");
}

TEST_F(StageStateTest, ShellIsJsonOnlyAndUsedByLaterHistory) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "SHELL [\"pwsh\", \"-c\"]\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Shell"], json(Strings{"pwsh", "-c"}));
  EXPECT_EQ(plan->created_by, "pwsh -c #(nop)  SHELL [pwsh -c]");
  EXPECT_FALSE(ParseDockerfile("FROM x\nSHELL pwsh -c\n").ok());
}

TEST_F(StageStateTest, HealthcheckCmdWithDurationsAndNone) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(
      state,
      "HEALTHCHECK --interval=30s --timeout=3s --start-period=1m30s "
      "--retries=3 CMD curl -f http://localhost/ || exit 1\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Healthcheck"],
            (json{{"Test", {"CMD-SHELL", "curl -f http://localhost/ || exit 1"}},
                  {"Interval", 30000000000},
                  {"Timeout", 3000000000},
                  {"StartPeriod", 90000000000},
                  {"Retries", 3}}));
  EXPECT_EQ(plan->created_by,
            "/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f "
            "http://localhost/ || exit 1\"] \"30s\" \"3s\" \"1m30s\" '\\x03'}");
  EXPECT_TRUE(plan->warnings.empty());

  plan = DispatchAll(state, "HEALTHCHECK NONE\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Healthcheck"], (json{{"Test", {"NONE"}}}));
  EXPECT_EQ(plan->created_by,
            "/bin/sh -c #(nop)  HEALTHCHECK &{[\"NONE\"] \"0s\" \"0s\" \"0s\" "
            "'\\x00'}");
  EXPECT_EQ(plan->warnings,
            Strings{"Note: overriding previous HEALTHCHECK: [CMD-SHELL curl -f "
                    "http://localhost/ || exit 1]"});

  plan = DispatchAll(state, "HEALTHCHECK CMD [\"/bin/check\", \"-q\"]\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Healthcheck"],
            (json{{"Test", {"CMD", "/bin/check", "-q"}}}));
  EXPECT_TRUE(plan->warnings.empty());  // NONE is not worth a note
}

TEST_F(StageStateTest, OnbuildKeepsTheTriggerAsWritten) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ONBUILD COPY . /app/src\nONBUILD run make $TARGET\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["OnBuild"],
            json(Strings{"COPY . /app/src", "run make $TARGET"}));
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  ONBUILD run make $TARGET");
  EXPECT_EQ(ParseDockerfile("FROM x\nONBUILD ONBUILD RUN x\n").status().message(),
            "Dockerfile parse error on line 2: Chaining ONBUILD via `ONBUILD "
            "ONBUILD` isn't allowed");
  EXPECT_EQ(ParseDockerfile("FROM x\nONBUILD FROM y\n").status().message(),
            "Dockerfile parse error on line 2: FROM isn't allowed as an "
            "ONBUILD trigger");
  EXPECT_EQ(ParseDockerfile("FROM x\nONBUILD MAINTAINER me\n").status().message(),
            "Dockerfile parse error on line 2: MAINTAINER isn't allowed as an "
            "ONBUILD trigger");
}

TEST_F(StageStateTest, BaseTriggersAreParsedAndClearedFromTheConfig) {
  StageState state(json{{"OnBuild", {"COPY . /src", "run make"}}}, &args_);
  EXPECT_TRUE(state.config()["OnBuild"].is_null());
  absl::StatusOr<std::vector<Instruction>> triggers = state.BaseTriggers();
  ASSERT_TRUE(triggers.ok()) << triggers.status();
  ASSERT_EQ(triggers->size(), 2u);
  EXPECT_EQ((*triggers)[0].keyword, "COPY");
  EXPECT_EQ((*triggers)[1].keyword, "RUN");
  absl::StatusOr<StepPlan> plan = state.Dispatch((*triggers)[1]);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->argv, (Strings{"/bin/sh", "-c", "make"}));
}

TEST_F(StageStateTest, BaseTriggersRefusedAsDockerRefusesThem) {
  for (const auto& [trigger, error] : std::vector<std::pair<std::string, std::string>>{
           {"RUN a\nRUN b", "onbuild trigger should be a single expression"},
           {"ONBUILD ONBUILD RUN x", "Chaining ONBUILD"},
           {"FROM alpine", "FROM isn't allowed as an ONBUILD trigger"},
           {"BOGUS x", "unknown instruction: BOGUS"}}) {
    StageState state(json{{"OnBuild", {trigger}}}, &args_);
    absl::StatusOr<std::vector<Instruction>> triggers = state.BaseTriggers();
    ASSERT_FALSE(triggers.ok()) << trigger;
    EXPECT_NE(triggers.status().message().find(error), std::string::npos)
        << triggers.status();
  }
}

TEST_F(StageStateTest, MaintainerIsTheAuthorNotExpanded) {
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "MAINTAINER Jo <jo@$HOST>\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(state.author(), "Jo <jo@$HOST>");
  EXPECT_EQ(plan->author, "Jo <jo@$HOST>");
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  MAINTAINER Jo <jo@$HOST>");
}

TEST_F(StageStateTest, RunShellAndJsonForms) {
  StageState state(json{{"Entrypoint", {"/init"}}, {"Cmd", {"serve"}}},
                   &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "RUN make $TARGET\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->kind, StepKind::kRun);
  EXPECT_EQ(plan->argv, (Strings{"/bin/sh", "-c", "make $TARGET"}));
  EXPECT_EQ(plan->created_by, "/bin/sh -c make $TARGET");
  EXPECT_EQ(plan->env, Strings{kPath});
  // The image keeps its config; the committed container config has the
  // command and no entrypoint.
  EXPECT_EQ(plan->config["Entrypoint"], json(Strings{"/init"}));
  EXPECT_EQ(plan->config["Cmd"], json(Strings{"serve"}));
  EXPECT_EQ(plan->container_config["Cmd"],
            json(Strings{"/bin/sh", "-c", "make $TARGET"}));
  EXPECT_TRUE(plan->container_config["Entrypoint"].is_null());

  plan = DispatchAll(state, "RUN [\"/bin/echo\", \"hi\"]\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->argv, (Strings{"/bin/echo", "hi"}));
  EXPECT_EQ(plan->created_by, "/bin/echo hi");
}

TEST_F(StageStateTest, RunSeesBuildArgsTheImageDoesNot) {
  BuildArgs args(BuildArgs::Values{{"B", "from-cli"}, {"HTTP_PROXY", "http://proxy:3128"}});
  StageState state(json::object(), &args);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ARG B=default A=1\nENV E=e\nRUN make\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->created_by, "|2 A=1 B=from-cli /bin/sh -c make");
  EXPECT_EQ(plan->container_config["Cmd"],
            json(Strings{"|2", "A=1", "B=from-cli", "/bin/sh", "-c", "make"}));
  EXPECT_EQ(plan->env,
            (Strings{kPath, "E=e", "A=1", "B=from-cli",
                     "HTTP_PROXY=http://proxy:3128"}));
  EXPECT_EQ(plan->config["Env"], json(Strings{kPath, "E=e"}));
  EXPECT_EQ(args.UnusedWarning(), std::nullopt);
}

TEST_F(StageStateTest, RunWithOnlyAProxyArgRecordsNone) {
  BuildArgs args(BuildArgs::Values{{"http_proxy", "http://p"}});
  StageState state(json::object(), &args);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "RUN apk add curl\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->created_by, "|0 /bin/sh -c apk add curl");
  EXPECT_EQ(plan->env, (Strings{kPath, "http_proxy=http://p"}));
}

TEST_F(StageStateTest, EnvShadowsAnArgOfTheSameName) {
  BuildArgs args(BuildArgs::Values{{"V", "cli"}});
  StageState state(json::object(), &args);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ARG V\nENV V=env-${V}\nLABEL v=$V\nRUN echo\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Labels"]["v"], "env-cli");
  EXPECT_EQ(plan->created_by, "/bin/sh -c echo");
  EXPECT_EQ(plan->env, (Strings{kPath, "V=env-cli"}));
}

TEST_F(StageStateTest, ArgWithAndWithoutDefaultAndOverriding) {
  ASSERT_TRUE(args_.AddMetaArgs(
      ParseDockerfile("ARG GLOBAL=g\nFROM x\n")->instructions[0], '\\').ok());
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ARG GLOBAL NAME=a\nARG NAME=b OTHER=$NAME\nLABEL l=$GLOBAL-$NAME-$OTHER\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Labels"]["l"], "g-b-a");
  plan = DispatchAll(state, "ARG X Y=$GLOBAL\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop)  ARG X Y=g");
  // Build args never reach the image's Env.
  EXPECT_EQ(state.config()["Env"], json(Strings{kPath}));
}

TEST_F(StageStateTest, GlobalArgsNeedARedeclarationInTheStage) {
  ASSERT_TRUE(args_.AddMetaArgs(
      ParseDockerfile("ARG V=1\nFROM x\n")->instructions[0], '\\').ok());
  StageState state(json::object(), &args_);
  absl::StatusOr<StepPlan> plan = DispatchAll(state, "LABEL v=[$V]\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->config["Labels"]["v"], "[]");
}

TEST_F(StageStateTest, CopyAndAddPlans) {
  StageState state(json{{"WorkingDir", "/app"}}, &args_);
  absl::StatusOr<StepPlan> plan =
      DispatchAll(state, "ARG U=1000\nCOPY --from=build --chown=$U:$U a.txt ${U}b/ lib/\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->kind, StepKind::kCopy);
  EXPECT_EQ(plan->sources, (Strings{"a.txt", "1000b/"}));
  EXPECT_EQ(plan->destination, "/app/lib/");
  EXPECT_EQ(plan->from, "build");
  EXPECT_EQ(plan->chown, "1000:1000");
  EXPECT_EQ(plan->created_by,
            std::string("/bin/sh -c #(nop) COPY --chown=1000:1000") +
                kSourceHashPlaceholder + " in lib/ ");
  std::string key_before = plan->cache_key;
  FillSourceHash(*plan, "multi:abc");
  EXPECT_EQ(plan->created_by,
            "/bin/sh -c #(nop) COPY --chown=1000:1000multi:abc in lib/ ");
  EXPECT_EQ(plan->container_config["Cmd"].back(),
            "#(nop) COPY --chown=1000:1000multi:abc in lib/ ");
  EXPECT_NE(plan->cache_key, key_before);

  plan = DispatchAll(state, "ADD https://example.com/x.tgz .\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->kind, StepKind::kAdd);
  EXPECT_EQ(plan->destination, "/app");
  FillSourceHash(*plan, "file:0123");
  EXPECT_EQ(plan->created_by, "/bin/sh -c #(nop) ADD file:0123 in . ");
  EXPECT_EQ(DispatchAll(state, "COPY /abs /x\n")->destination, "/x");
  StageState bare(json::object(), &args_);
  EXPECT_EQ(DispatchAll(bare, "COPY a dir/\n")->destination, "/dir/");
  EXPECT_EQ(DispatchAll(bare, "COPY a ./\n")->destination, "/");
}

TEST_F(StageStateTest, CopyRefusals) {
  StageState state(json::object(), &args_);
  EXPECT_EQ(DispatchAll(state, "COPY a b dest\n").status().message(),
            "When using COPY with more than one source file, the destination "
            "must be a directory and end with a /");
  EXPECT_EQ(DispatchAll(state, "COPY --chmod=u+x a /b\n").status().message(),
            "invalid chmod parameter: u+x (an octal mode)");
  auto chmod = DispatchAll(state, "COPY --chmod=750 a /b\n");
  ASSERT_TRUE(chmod.ok()) << chmod.status();
  EXPECT_EQ(chmod->chmod, "750");
  EXPECT_TRUE(absl::StartsWith(
      DispatchAll(state, "COPY --link a /b\n").status().message(),
      "the --link option requires BuildKit."));
  EXPECT_TRUE(absl::StartsWith(
      DispatchAll(state, "RUN --network=none x\n").status().message(),
      "the --network option requires BuildKit."));
}

TEST_F(StageStateTest, CopySourceHashOfSeveral) {
  EXPECT_EQ(CopySourceHash({"file:aa"}), "file:aa");
  // sha256("file:aa,dir:bb")
  std::string multi = CopySourceHash({"file:aa", "dir:bb"});
  EXPECT_EQ(multi.substr(0, 6), "multi:");
  EXPECT_EQ(multi.size(), 6u + 64u);
}

TEST_F(StageStateTest, ExpansionErrorsLeaveTheConfigAlone) {
  StageState state(json::object(), &args_);
  json before = state.config();
  EXPECT_FALSE(DispatchAll(state, "ENV A=${B\n").ok());
  EXPECT_EQ(state.config(), before);
}

TEST_F(StageStateTest, CacheKeyFollowsWhatDockerCompares) {
  StageState one(json{{"Env", {"PATH=/bin"}}}, &args_);
  StageState two(json{{"Env", {"PATH=/bin"}}, {"Hostname", "other"},
                      {"Cmd", nullptr}},
                 &args_);
  absl::StatusOr<StepPlan> a = DispatchAll(one, "RUN make\n");
  absl::StatusOr<StepPlan> b = DispatchAll(two, "RUN make\n");
  ASSERT_TRUE(a.ok() && b.ok());
  // Hostname is not compared; null and absent are the same.
  EXPECT_EQ(a->cache_key, b->cache_key);
  EXPECT_NE(DispatchAll(one, "USER x\nRUN make\n")->cache_key, a->cache_key);
  EXPECT_NE(DispatchAll(two, "ENV X=1\nRUN make\n")->cache_key, a->cache_key);
  BuildArgs args(BuildArgs::Values{{"V", "1"}});
  StageState three(json{{"Env", {"PATH=/bin"}}}, &args);
  EXPECT_NE(DispatchAll(three, "ARG V\nRUN make\n")->cache_key, a->cache_key);
}

TEST_F(StageStateTest, FromIsNotDispatched) {
  StageState state(json::object(), &args_);
  Instruction from = ParseDockerfile("FROM x\n")->instructions[0];
  EXPECT_FALSE(state.Dispatch(from).ok());
}

// The history of an image docker's classic builder made (charliecloud's
// metadata test image, 2021), line for line.
TEST_F(StageStateTest, MatchesARealDockerHistory) {
  StageState state(json{{"Env", {kPath}}, {"Cmd", {"bar", "baz"}},
                        {"Entrypoint", {"/bin/echo", "foo"}}},
                   &args_);
  std::vector<std::string> history;
  for (const Instruction& instruction : Parse(
           "ENV ch_foo=foo-ev ch_bar=bar-ev\n"
           "EXPOSE 867 5309/udp\n"
           "HEALTHCHECK --interval=60s --timeout=5s CMD [\"/bin/true\"]\n"
           "LABEL ch_foo=foo-label ch_bar=bar-label\n"
           "MAINTAINER charlie@example.com\n"
           "ONBUILD RUN echo hello\n"
           "RUN echo hello\n"
           "RUN [\"/bin/echo\", \"world\"]\n"
           "SHELL [\"/bin/ash\", \"-c\"]\n"
           "STOPSIGNAL SIGWINCH\n"
           "USER charlie:chargrp\n"
           "WORKDIR /mnt\n"
           "VOLUME /mnt/foo /mnt/bar /mnt/foo\n")) {
    absl::StatusOr<StepPlan> plan = state.Dispatch(instruction);
    ASSERT_TRUE(plan.ok()) << plan.status();
    history.push_back(plan->created_by);
  }
  EXPECT_EQ(history,
            (Strings{
                "/bin/sh -c #(nop)  ENV ch_foo=foo-ev ch_bar=bar-ev",
                "/bin/sh -c #(nop)  EXPOSE 5309/udp 867",
                "/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD\" \"/bin/true\"] "
                "\"1m0s\" \"5s\" \"0s\" '\\x00'}",
                "/bin/sh -c #(nop)  LABEL ch_foo=foo-label ch_bar=bar-label",
                "/bin/sh -c #(nop)  MAINTAINER charlie@example.com",
                "/bin/sh -c #(nop)  ONBUILD RUN echo hello",
                "/bin/sh -c echo hello",
                "/bin/echo world",
                "/bin/ash -c #(nop)  SHELL [/bin/ash -c]",
                "/bin/ash -c #(nop)  STOPSIGNAL SIGWINCH",
                "/bin/ash -c #(nop)  USER charlie:chargrp",
                "/bin/ash -c #(nop) WORKDIR /mnt",
                "/bin/ash -c #(nop)  VOLUME [/mnt/foo /mnt/bar /mnt/foo]",
            }));
  EXPECT_EQ(state.author(), "charlie@example.com");
  EXPECT_EQ(state.config()["Volumes"],
            (json{{"/mnt/foo", json::object()}, {"/mnt/bar", json::object()}}));
  EXPECT_EQ(state.config()["Env"],
            json(Strings{kPath, "ch_foo=foo-ev", "ch_bar=bar-ev"}));
  EXPECT_EQ(state.config()["Cmd"], json(Strings{"bar", "baz"}));
}

TEST(ExpandFromNameTest, MetaArgsOnly) {
  BuildArgs args(BuildArgs::Values{{"TAG", "3.19"}});
  Dockerfile file = *ParseDockerfile(
      "ARG BASE=alpine\nARG TAG=latest\nFROM ${BASE}:${TAG}\nFROM $NOPE\n");
  ASSERT_TRUE(args.AddMetaArgs(file.instructions[0], '\\').ok());
  ASSERT_TRUE(args.AddMetaArgs(file.instructions[1], '\\').ok());
  EXPECT_EQ(*ExpandFromName(file.instructions[2], args), "alpine:3.19");
  EXPECT_EQ(ExpandFromName(file.instructions[3], args).status().message(),
            "base name ($NOPE) should not be blank");
}

TEST(ExpandFromNameTest, PlatformMustBeTheHosts) {
  BuildArgs args;
  std::string host = HostPlatform();
  Dockerfile file = *ParseDockerfile(
      "FROM --platform=" + host + " a\nFROM --platform=$BUILDOS b\n"
      "FROM --platform=windows/amd64 c\nFROM --platform=linux/bogus d\n");
  EXPECT_EQ(*ExpandFromName(file.instructions[0], args), "a");
  EXPECT_FALSE(ExpandFromName(file.instructions[1], args).ok());
  absl::Status other = ExpandFromName(file.instructions[2], args).status();
  EXPECT_NE(other.message().find("windows/amd64"), std::string::npos) << other;
  EXPECT_NE(ExpandFromName(file.instructions[3], args)
                .status()
                .message()
                .find("unknown architecture"),
            std::string::npos);
}

TEST(ExpandFromNameTest, NormalizePlatform) {
  EXPECT_EQ(*NormalizePlatform("linux/x86_64"), "linux/amd64");
  EXPECT_EQ(*NormalizePlatform("linux/aarch64"), "linux/arm64");
  EXPECT_EQ(*NormalizePlatform("linux/arm64/v8"), "linux/arm64");
  EXPECT_EQ(*NormalizePlatform("linux/armhf"), "linux/arm/v7");
  EXPECT_EQ(*NormalizePlatform("amd64"), "linux/amd64");
  EXPECT_EQ(*NormalizePlatform("linux"), HostPlatform());
  EXPECT_FALSE(NormalizePlatform("linux/amd64/v2/x").ok());
  EXPECT_FALSE(NormalizePlatform("").ok());
}

}  // namespace
}  // namespace berth::builder
