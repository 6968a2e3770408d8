#include "services/builder/dockerfile/parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/builder/dockerfile/shell_word.h"

namespace berth::builder {
namespace {

using Strings = std::vector<std::string>;

Dockerfile Parse(const std::string& text) {
  absl::StatusOr<Dockerfile> parsed = ParseDockerfile(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : Dockerfile{};
}

std::string Error(const std::string& text) {
  absl::StatusOr<Dockerfile> parsed = ParseDockerfile(text);
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : std::string(parsed.status().message());
}

Strings Keywords(const Dockerfile& dockerfile) {
  Strings keywords;
  for (const Instruction& instruction : dockerfile.instructions) {
    keywords.push_back(instruction.keyword);
  }
  return keywords;
}

TEST(ParseDockerfileTest, ErrorsNameTheLine) {
  EXPECT_EQ(Error("FROM alpine\n\nRUNN echo\n"),
            "Dockerfile parse error on line 3: unknown instruction: RUNN");
  // A continued instruction is reported at its first line.
  EXPECT_EQ(Error("FROM alpine\nCOPY \\\n  onlyone\n"),
            "Dockerfile parse error on line 2: COPY requires at least two "
            "arguments, but only one was provided. Destination could not be "
            "determined");
  EXPECT_EQ(Error("FROM a\n# c\nRUN a \\\n  b\nENV\n"),
            "Dockerfile parse error on line 5: ENV requires at least one "
            "argument");
  EXPECT_EQ(Error("FROM a\nRUN <<EOF\necho hi\nEOF\n"),
            "Dockerfile parse error on line 2: heredoc <<EOF in RUN: heredocs "
            "are only supported by BuildKit, not by the classic builder");
}

TEST(ParseDockerfileTest, EmptyFilesAndInstructionsBeforeFrom) {
  EXPECT_EQ(Error(""),
            "Dockerfile parse error on line 0: file with no instructions");
  EXPECT_EQ(Error("# only\n\n# comments\n"),
            "Dockerfile parse error on line 3: file with no instructions");
  EXPECT_EQ(Error("ARG A\nRUN x\nFROM a\n"),
            "Dockerfile parse error on line 2: no build stage in current "
            "context");
  // Positive control: ARG before FROM is fine.
  EXPECT_EQ(Keywords(Parse("ARG A\nARG B=1\nFROM a\n")),
            (Strings{"ARG", "ARG", "FROM"}));
}

TEST(ParseDockerfileTest, SyntaxDirectiveIsKeptForAWarning) {
  Dockerfile dockerfile = Parse("# syntax=docker/dockerfile:1.4\nFROM a\n");
  EXPECT_EQ(dockerfile.directives.syntax, "docker/dockerfile:1.4");
  EXPECT_EQ(Keywords(dockerfile), Strings{"FROM"});
}

TEST(ParseDockerfileTest, EscapeDirectiveReachesTheWords) {
  Dockerfile dockerfile = Parse(
      "# escape=`\n"
      "FROM mcr.microsoft.com/windows/nanoserver\n"
      "ENV DIR=C:\\app `\n"
      "    NAME=\"a`\"b\"\n"
      "COPY testfile.txt c:\\\n"
      "RUN dir c:\\\n");
  ASSERT_EQ(dockerfile.instructions.size(), 4u);
  const Instruction& env = dockerfile.instructions[1];
  EXPECT_EQ(env.line, 3);
  EXPECT_EQ(env.end_line, 4);
  ASSERT_EQ(env.pairs.size(), 2u);
  EXPECT_EQ(*ProcessWord(*env.pairs[0].value, {}, '`'), "C:\\app");
  EXPECT_EQ(*ProcessWord(*env.pairs[1].value, {}, '`'), "a\"b");
  // `\` at the end of a line is no continuation with the ` escape.
  EXPECT_EQ(dockerfile.instructions[2].destination, "c:\\");
  EXPECT_EQ(dockerfile.instructions[3].line, 6);
}

// A multi-stage build in the shape of many published Go projects.
TEST(ParseDockerfileTest, MultiStageWithGlobalArgs) {
  Dockerfile dockerfile = Parse(R"(# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
ARG ALPINE_VERSION=3.19

FROM golang:${GO_VERSION}-alpine${ALPINE_VERSION} AS builder
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" \
    # strip the binary
    -o /out/app ./cmd/app

FROM alpine:${ALPINE_VERSION}
RUN apk add --no-cache ca-certificates tzdata && \
    addgroup -S app && adduser -S -G app app
COPY --from=builder /out/app /usr/local/bin/app
USER app
EXPOSE 8080
HEALTHCHECK --interval=10s CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
CMD ["serve"]
)");
  EXPECT_EQ(Keywords(dockerfile),
            (Strings{"ARG", "ARG", "FROM", "ARG", "WORKDIR", "COPY", "RUN",
                     "COPY", "RUN", "FROM", "RUN", "COPY", "USER", "EXPOSE",
                     "HEALTHCHECK", "ENTRYPOINT", "CMD"}));
  const auto& ins = dockerfile.instructions;
  EXPECT_EQ(ins[2].base_name, "golang:${GO_VERSION}-alpine${ALPINE_VERSION}");
  EXPECT_EQ(ins[2].stage_name, "builder");
  EXPECT_EQ(ins[2].line, 5);
  // FROM is substituted with the global args only.
  ShellEnv global = {{"GO_VERSION", "1.22"}, {"ALPINE_VERSION", "3.19"}};
  EXPECT_EQ(*ProcessWord(ins[2].base_name, global), "golang:1.22-alpine3.19");
  EXPECT_EQ(ins[3].pairs.size(), 2u);
  EXPECT_EQ(ins[5].sources, (Strings{"go.mod", "go.sum"}));
  EXPECT_EQ(ins[5].destination, "./");
  // The comment inside the continued RUN is dropped.
  EXPECT_EQ(ins[8].line, 11);
  EXPECT_EQ(ins[8].end_line, 14);
  EXPECT_EQ(ins[8].args,
            Strings{"CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH     go "
                    "build -trimpath -ldflags=\"-s -w\"     -o /out/app "
                    "./cmd/app"});
  EXPECT_EQ(ins[9].stage_name, "");
  EXPECT_EQ(ins[9].line, 16);
  EXPECT_EQ(*ins[11].Flag("from"), "builder");
  EXPECT_EQ(ins[14].health->test,
            (Strings{"CMD", "/usr/local/bin/app", "health"}));
  EXPECT_TRUE(ins[15].json_form);
}

// In the shape of the official images' Dockerfiles (nginx, redis, python).
TEST(ParseDockerfileTest, OfficialImageStyle) {
  Dockerfile dockerfile = Parse(R"(FROM debian:bookworm-slim

LABEL maintainer="NGINX Docker Maintainers <docker-maint@nginx.com>"

ENV NGINX_VERSION   1.25.3
ENV PKG_RELEASE     1~bookworm

RUN set -x \
# create nginx user/group first, to be consistent throughout docker variants
    && groupadd --system --gid 101 nginx \
    && useradd --system --gid nginx --no-create-home --home /nonexistent --comment "nginx user" --shell /bin/false --uid 101 nginx \
    && apt-get update \
    && apt-get install --no-install-recommends --no-install-suggests -y gnupg1 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

COPY docker-entrypoint.sh /
COPY 10-listen-on-ipv6-by-default.sh /docker-entrypoint.d
ENTRYPOINT ["/docker-entrypoint.sh"]

EXPOSE 80

STOPSIGNAL SIGQUIT

VOLUME /data
WORKDIR /data
ONBUILD ADD . /app/src
CMD ["nginx", "-g", "daemon off;"]
)");
  const auto& ins = dockerfile.instructions;
  ASSERT_EQ(ins.size(), 14u);
  EXPECT_EQ(ins[1].pairs[0].key, "maintainer");
  EXPECT_EQ(*ProcessWord(*ins[1].pairs[0].value, {}),
            "NGINX Docker Maintainers <docker-maint@nginx.com>");
  EXPECT_TRUE(ins[2].pairs[0].legacy_form);
  EXPECT_EQ(ins[2].pairs[0].key, "NGINX_VERSION");
  EXPECT_EQ(*ins[2].pairs[0].value, "1.25.3");
  EXPECT_EQ(ins[4].keyword, "RUN");
  EXPECT_EQ(ins[4].line, 8);
  EXPECT_EQ(ins[4].end_line, 14);
  EXPECT_EQ(ins[4].args[0].find("# create"), std::string::npos);
  EXPECT_EQ(ins[4].args[0].rfind("set -x     && groupadd", 0), 0u);
  EXPECT_EQ(ins[9].args, Strings{"SIGQUIT"});
  EXPECT_EQ(ins[12].trigger->keyword, "ADD");
  EXPECT_EQ(ins[13].args, (Strings{"nginx", "-g", "daemon off;"}));
}

TEST(ParseDockerfileTest, ExposeWordsAfterSubstitution) {
  Dockerfile dockerfile =
      Parse("FROM a\nARG PORTS=\"80 443\"\nEXPOSE $PORTS 8080/udp\n");
  const Instruction& arg = dockerfile.instructions[1];
  ShellEnv env = {{arg.pairs[0].key, *ProcessWord(*arg.pairs[0].value, {})}};
  Strings ports;
  for (const std::string& word : dockerfile.instructions[2].args) {
    absl::StatusOr<Strings> words = ProcessWords(word, env);
    ASSERT_TRUE(words.ok());
    ports.insert(ports.end(), words->begin(), words->end());
  }
  EXPECT_EQ(ports, (Strings{"80", "443", "8080/udp"}));
}

}  // namespace
}  // namespace berth::builder
