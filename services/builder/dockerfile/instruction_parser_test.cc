#include "services/builder/dockerfile/instruction_parser.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "services/builder/dockerfile/instruction_flags.h"

namespace berth::builder {
namespace {

using Strings = std::vector<std::string>;
using Flags = std::vector<std::pair<std::string, std::string>>;

Instruction Parse(const std::string& text, char escape = '\\') {
  absl::StatusOr<Instruction> parsed =
      ParseInstruction(LogicalLine{text, 7, 7}, escape);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.ok() ? *parsed : Instruction{};
}

// The error text after docker's "Dockerfile parse error on line 7: ".
std::string Error(const std::string& text) {
  absl::StatusOr<Instruction> parsed =
      ParseInstruction(LogicalLine{text, 7, 7}, '\\');
  EXPECT_FALSE(parsed.ok()) << text;
  if (parsed.ok()) return "";
  const std::string prefix = "Dockerfile parse error on line 7: ";
  std::string message(parsed.status().message());
  EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
  return message.substr(prefix.size());
}

TEST(InstructionParserTest, KeywordOriginalAndLine) {
  Instruction run = Parse("run  echo hi ");
  EXPECT_EQ(run.keyword, "RUN");
  EXPECT_EQ(run.original, "run  echo hi ");
  EXPECT_EQ(run.line, 7);
  EXPECT_EQ(run.args, Strings{"echo hi"});
  EXPECT_FALSE(run.json_form);
  EXPECT_EQ(Error("RUNN echo"), "unknown instruction: RUNN");
  EXPECT_EQ(Error("runn echo"), "unknown instruction: RUNN");
}

TEST(InstructionParserTest, JsonAndShellForms) {
  Instruction json = Parse(R"(CMD ["echo", "a b", "\u00e9\n"])");
  EXPECT_TRUE(json.json_form);
  EXPECT_EQ(json.args, (Strings{"echo", "a b", "\xC3\xA9\n"}));
  EXPECT_TRUE(Parse("ENTRYPOINT []").json_form);
  EXPECT_TRUE(Parse("ENTRYPOINT []").args.empty());
  // Anything that is not a valid JSON array falls back to the shell form.
  Instruction single_quotes = Parse("CMD ['echo', 'x']");
  EXPECT_FALSE(single_quotes.json_form);
  EXPECT_EQ(single_quotes.args, Strings{"['echo', 'x']"});
  EXPECT_FALSE(Parse(R"(CMD ["echo" "x"])").json_form);
  EXPECT_FALSE(Parse(R"(CMD ["a"] && b)").json_form);
  EXPECT_FALSE(Parse(R"(RUN {"a": 1})").json_form);
  // A valid array of something else than strings is an error.
  EXPECT_EQ(Error("CMD [1, 2]"),
            "when using JSON array syntax, arrays must be comprised of "
            "strings only");
  EXPECT_EQ(Error(R"(COPY ["a", null])"),
            "when using JSON array syntax, arrays must be comprised of "
            "strings only");
  // An empty RUN/CMD is accepted, as docker.
  EXPECT_TRUE(Parse("CMD").args.empty());
}

TEST(InstructionParserTest, Flags) {
  Instruction copy =
      Parse("COPY --from=build --chown=1:2 --chmod=0755 a b /d/");
  EXPECT_EQ(copy.flags,
            (Flags{{"from", "build"}, {"chown", "1:2"}, {"chmod", "0755"}}));
  EXPECT_EQ(copy.sources, (Strings{"a", "b"}));
  EXPECT_EQ(copy.destination, "/d/");
  EXPECT_EQ(*copy.Flag("from"), "build");
  EXPECT_EQ(copy.Flag("link"), nullptr);
  // Quotes in flag values are removed.
  EXPECT_EQ(*Parse("COPY --chown=\"a b\" x y").Flag("chown"), "a b");
  EXPECT_EQ(*Parse("FROM --platform=linux/amd64 alpine").Flag("platform"),
            "linux/amd64");
  EXPECT_EQ(*Parse("COPY --link a b").Flag("link"), "true");
  EXPECT_EQ(*Parse("ADD --keep-git-dir=FALSE a b").Flag("keep-git-dir"),
            "false");
  EXPECT_EQ(Parse("RUN --network=none true").flags,
            (Flags{{"network", "none"}}));
  // `--` ends the flags.
  EXPECT_EQ(Parse("RUN -- --x").args, Strings{"--x"});

  EXPECT_EQ(Error("COPY --form=build a b"), "unknown flag: form");
  EXPECT_EQ(Error("RUN --from=x true"), "unknown flag: from");
  EXPECT_EQ(Error("CMD --chown=1 x"), "unknown flag: chown");
  EXPECT_EQ(Error("COPY --from=a --from=b x y"),
            "duplicate flag specified: from");
  EXPECT_EQ(Error("COPY --from x y"), "missing a value on flag: from");
  EXPECT_EQ(Error("COPY --link= x y"), "missing a value on flag: link");
  EXPECT_EQ(Error("COPY --link=maybe x y"),
            "expecting boolean value for flag link, not: maybe");
  // Repeatable flags.
  EXPECT_EQ(
      Parse("RUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/b x")
          .flags.size(),
      2u);
}

TEST(InstructionParserTest, ArgAndStopsignalIgnoreFlagsAsDocker) {
  // docker never parses these two instructions' flags.
  EXPECT_EQ(Parse("ARG --foo=1 A=2").pairs[0].key, "A");
  EXPECT_EQ(Parse("STOPSIGNAL --foo 9").args, Strings{"9"});
  // Positive control: the same flag on USER is refused.
  EXPECT_EQ(Error("USER --foo=1 app"), "unknown flag: foo");
}

TEST(InstructionParserTest, ClassicBuilderRefusesBuildKitFlags) {
  EXPECT_EQ(
      CheckClassicBuilderFlags(Parse("RUN --network=none true")).message(),
      "the --network option requires BuildKit. Refer to "
      "https://docs.docker.com/go/buildkit/ to learn how to build images "
      "with BuildKit enabled");
  EXPECT_FALSE(CheckClassicBuilderFlags(Parse("COPY --link a b")).ok());
  EXPECT_TRUE(
      CheckClassicBuilderFlags(Parse("COPY --from=x --chown=1 --chmod=600 a b"))
          .ok());
}

TEST(InstructionParserTest, From) {
  Instruction plain = Parse("FROM alpine:3.19");
  EXPECT_EQ(plain.base_name, "alpine:3.19");
  EXPECT_EQ(plain.stage_name, "");
  Instruction named = Parse("FROM golang:1.22 AS Build-Env");
  EXPECT_EQ(named.base_name, "golang:1.22");
  EXPECT_EQ(named.stage_name, "build-env");
  EXPECT_EQ(Parse("from scratch as s1").stage_name, "s1");
  EXPECT_EQ(Error("FROM"), "FROM requires either one or three arguments");
  EXPECT_EQ(Error("FROM a b"), "FROM requires either one or three arguments");
  EXPECT_EQ(Error("FROM a TO b"),
            "FROM requires either one or three arguments");
  EXPECT_EQ(Error("FROM a AS 1st"),
            "invalid name for build stage: \"1st\", name can't start with a "
            "number or contain symbols");
  EXPECT_EQ(Error("FROM a AS b$c"),
            "invalid name for build stage: \"b$c\", name can't start with a "
            "number or contain symbols");
}

TEST(InstructionParserTest, EnvAndLabel) {
  Instruction env = Parse(R"(ENV A=1 B="two words" C=a\ b D='$x' E=)");
  ASSERT_EQ(env.pairs.size(), 5u);
  // Quotes and escapes stay until ProcessWord, as in docker's parser.
  EXPECT_EQ(env.pairs[0].key, "A");
  EXPECT_EQ(*env.pairs[0].value, "1");
  EXPECT_EQ(*env.pairs[1].value, "\"two words\"");
  EXPECT_EQ(*env.pairs[2].value, "a\\ b");
  EXPECT_EQ(*env.pairs[3].value, "'$x'");
  EXPECT_EQ(*env.pairs[4].value, "");
  EXPECT_FALSE(env.pairs[0].legacy_form);

  // The legacy form: the value is the rest of the line.
  Instruction legacy = Parse("ENV PATH  /usr/local/bin:$PATH  and more");
  ASSERT_EQ(legacy.pairs.size(), 1u);
  EXPECT_EQ(legacy.pairs[0].key, "PATH");
  EXPECT_EQ(*legacy.pairs[0].value, "/usr/local/bin:$PATH  and more");
  EXPECT_TRUE(legacy.pairs[0].legacy_form);

  Instruction label =
      Parse(R"(LABEL "com.example.vendor"="ACME Inc" version=1.0)");
  ASSERT_EQ(label.pairs.size(), 2u);
  EXPECT_EQ(label.pairs[0].key, "\"com.example.vendor\"");
  EXPECT_EQ(*label.pairs[0].value, "\"ACME Inc\"");

  EXPECT_EQ(Error("ENV"), "ENV requires at least one argument");
  EXPECT_EQ(Error("LABEL"), "LABEL requires at least one argument");
  EXPECT_EQ(Error("ENV =x"), "ENV names can not be blank");
  EXPECT_EQ(Error("LABEL a=b =c"), "LABEL names can not be blank");
  EXPECT_EQ(Error("ENV ONLYKEY"), "ENV must have two arguments");
  EXPECT_EQ(Error("LABEL a=b c"),
            "Syntax error - can't find = in \"c\". Must be of the form: "
            "name=value");
}

TEST(InstructionParserTest, Arg) {
  Instruction arg = Parse(R"(ARG VERSION=1.2 NAME "QUOTED=a b")");
  ASSERT_EQ(arg.pairs.size(), 3u);
  EXPECT_EQ(arg.pairs[0].key, "VERSION");
  EXPECT_EQ(*arg.pairs[0].value, "1.2");
  EXPECT_EQ(arg.pairs[1].key, "NAME");
  EXPECT_FALSE(arg.pairs[1].value.has_value());
  EXPECT_EQ(arg.pairs[2].key, "\"QUOTED");
  EXPECT_EQ(*arg.pairs[2].value, "a b\"");
  EXPECT_EQ(*Parse("ARG EMPTY=").pairs[0].value, "");
  EXPECT_EQ(Error("ARG"), "ARG requires at least one argument");
  EXPECT_EQ(Error("ARG =x"), "ARG names can not be blank");
}

TEST(InstructionParserTest, ExposeAndVolume) {
  EXPECT_EQ(Parse("EXPOSE 8080/tcp 80 53/udp").args,
            (Strings{"53/udp", "80", "8080/tcp"}));  // sorted, as docker
  EXPECT_EQ(Error("EXPOSE"), "EXPOSE requires at least one argument");
  EXPECT_EQ(Parse("VOLUME /a /b").args, (Strings{"/a", "/b"}));
  Instruction json = Parse(R"(VOLUME ["/data", "/with space"])");
  EXPECT_TRUE(json.json_form);
  EXPECT_EQ(json.args, (Strings{"/data", "/with space"}));
  EXPECT_EQ(Error("VOLUME"), "VOLUME requires at least one argument");
  EXPECT_EQ(Error(R"(VOLUME ["/a", " "])"),
            "VOLUME specified can not be an empty string");
}

TEST(InstructionParserTest, CopyAndAdd) {
  Instruction json = Parse(R"(COPY ["a b", "c", "/dst dir/"])");
  EXPECT_TRUE(json.json_form);
  EXPECT_EQ(json.sources, (Strings{"a b", "c"}));
  EXPECT_EQ(json.destination, "/dst dir/");
  Instruction add = Parse("ADD  --chown=app  app.tar.gz   /opt/");
  EXPECT_EQ(add.sources, Strings{"app.tar.gz"});
  EXPECT_EQ(add.destination, "/opt/");
  EXPECT_EQ(Error("COPY onlyone"),
            "COPY requires at least two arguments, but only one was provided. "
            "Destination could not be determined");
  EXPECT_EQ(Error("ADD"),
            "ADD requires at least two arguments, but only one was provided. "
            "Destination could not be determined");
}

TEST(InstructionParserTest, SingleArgumentInstructions) {
  EXPECT_EQ(Parse("USER app:app").args, Strings{"app:app"});
  EXPECT_EQ(Parse("WORKDIR /my dir").args, Strings{"/my dir"});
  EXPECT_EQ(Parse("STOPSIGNAL SIGTERM").args, Strings{"SIGTERM"});
  EXPECT_EQ(Parse("MAINTAINER Jane <jane@example.com>").args,
            Strings{"Jane <jane@example.com>"});
  EXPECT_EQ(Error("USER"), "USER requires exactly one argument");
  EXPECT_EQ(Error("WORKDIR"), "WORKDIR requires exactly one argument");
  EXPECT_EQ(Error("STOPSIGNAL"), "STOPSIGNAL requires exactly one argument");
  EXPECT_EQ(Error("MAINTAINER"), "MAINTAINER requires exactly one argument");
}

TEST(InstructionParserTest, Shell) {
  Instruction shell = Parse(R"(SHELL ["/bin/bash", "-o", "pipefail", "-c"])");
  EXPECT_EQ(shell.args, (Strings{"/bin/bash", "-o", "pipefail", "-c"}));
  EXPECT_EQ(Error("SHELL /bin/bash -c"),
            "SHELL requires the arguments to be in JSON form");
  EXPECT_EQ(Error("SHELL []"), "SHELL requires at least one argument");
}

TEST(InstructionParserTest, HealthCheck) {
  Instruction none = Parse("HEALTHCHECK NONE");
  ASSERT_TRUE(none.health.has_value());
  EXPECT_EQ(none.health->test, Strings{"NONE"});

  Instruction shell = Parse(
      "HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5s "
      "--start-interval=2s --retries=3 CMD curl -f http://localhost/ || exit "
      "1");
  ASSERT_TRUE(shell.health.has_value());
  EXPECT_EQ(shell.health->test,
            (Strings{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}));
  EXPECT_EQ(shell.health->interval_ns, 30'000'000'000);
  EXPECT_EQ(shell.health->timeout_ns, 90'000'000'000);
  EXPECT_EQ(shell.health->start_period_ns, 1'500'000'000);
  EXPECT_EQ(shell.health->start_interval_ns, 2'000'000'000);
  EXPECT_EQ(shell.health->retries, 3);

  Instruction json = Parse(R"(healthcheck cmd ["/bin/check", "-v"])");
  EXPECT_EQ(json.health->test, (Strings{"CMD", "/bin/check", "-v"}));
  EXPECT_EQ(json.health->interval_ns, 0);  // the default

  EXPECT_EQ(Error("HEALTHCHECK"), "HEALTHCHECK requires at least one argument");
  EXPECT_EQ(Error("HEALTHCHECK NONE x"), "HEALTHCHECK NONE takes no arguments");
  EXPECT_EQ(Error("HEALTHCHECK CMD"), "Missing command after HEALTHCHECK CMD");
  EXPECT_EQ(Error("HEALTHCHECK RUN x"),
            "Unknown type \"RUN\" in HEALTHCHECK (try CMD)");
  EXPECT_EQ(Error("HEALTHCHECK --interval=1us CMD x"),
            "Interval \"interval\" cannot be less than 1ms");
  EXPECT_EQ(Error("HEALTHCHECK --timeout=ten CMD x"),
            "time: invalid duration \"ten\"");
  EXPECT_EQ(Error("HEALTHCHECK --retries=-1 CMD x"),
            "--retries cannot be negative (-1)");
  EXPECT_EQ(Error("HEALTHCHECK --retries=x CMD x"),
            "strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_EQ(Error("HEALTHCHECK --foo=1 CMD x"), "unknown flag: foo");
}

TEST(InstructionParserTest, OnBuild) {
  Instruction onbuild = Parse("ONBUILD COPY --chown=app . /src");
  ASSERT_NE(onbuild.trigger, nullptr);
  EXPECT_EQ(onbuild.trigger_text, "COPY --chown=app . /src");
  EXPECT_EQ(onbuild.trigger->keyword, "COPY");
  EXPECT_EQ(*onbuild.trigger->Flag("chown"), "app");
  EXPECT_EQ(onbuild.trigger->destination, "/src");
  EXPECT_EQ(Parse("onbuild run make").trigger->args, Strings{"make"});

  EXPECT_EQ(Error("ONBUILD"), "ONBUILD requires at least one argument");
  EXPECT_EQ(Error("ONBUILD ONBUILD RUN x"),
            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(Error("ONBUILD from alpine"),
            "FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(Error("ONBUILD MAINTAINER me"),
            "MAINTAINER isn't allowed as an ONBUILD trigger");
  // The inner instruction is checked like any other.
  EXPECT_EQ(Error("ONBUILD RUNN x"), "unknown instruction: RUNN");
  EXPECT_EQ(Error("ONBUILD COPY x"),
            "COPY requires at least two arguments, but only one was provided. "
            "Destination could not be determined");
}

TEST(InstructionParserTest, HeredocsAreRefused) {
  EXPECT_EQ(Error("RUN <<EOF"),
            "heredoc <<EOF in RUN: heredocs are only supported by BuildKit, "
            "not by the classic builder");
  EXPECT_NE(Error("RUN python3 <<-'PY'"), "");
  EXPECT_NE(Error("COPY <<EOF /etc/motd"), "");
  EXPECT_NE(Error("RUN cat 3<<EOF"), "");
  // Positive controls: quoted, here-strings and JSON forms are not heredocs.
  EXPECT_EQ(Parse("RUN echo \"<<EOF\"").args, Strings{"echo \"<<EOF\""});
  EXPECT_EQ(Parse("RUN cat <<< hello").args, Strings{"cat <<< hello"});
  EXPECT_TRUE(Parse(R"(RUN ["sh", "-c", "cat <<EOF"])").json_form);
}

TEST(InstructionParserTest, BacktickEscapeInWords) {
  Instruction env = Parse("ENV A=\"x`\"y\" B=c:\\dir", '`');
  ASSERT_EQ(env.pairs.size(), 2u);
  EXPECT_EQ(*env.pairs[0].value, "\"x`\"y\"");
  EXPECT_EQ(*env.pairs[1].value, "c:\\dir");
}

}  // namespace
}  // namespace berth::builder
