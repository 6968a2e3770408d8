#include "services/docker/build_output.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace berth::docker {
namespace {

using berth::builder::v1::BuildResponse;
using nlohmann::json;

BuildResponse Text(const std::string& text) {
  BuildResponse message;
  message.set_stream(text);
  return message;
}

BuildResponse Image(const std::string& id) {
  BuildResponse message;
  message.set_image_id(id);
  return message;
}

std::vector<json> Lines(const std::string& out) {
  std::vector<json> lines;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    EXPECT_NE(end, std::string::npos) << "every line ends with a newline";
    lines.push_back(json::parse(out.substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

const std::string kId = "sha256:96ae2f8575c2aaaabbbbccccddddeeeeffff000011112222333344445555";

TEST(BuildOutputTest, AuxComesBeforeSuccessfullyBuilt) {
  BuildOutput output(false);
  std::vector<json> step = Lines(output.Add(Text("Step 1/2 : FROM busybox\n")));
  ASSERT_EQ(step.size(), 1u);
  EXPECT_EQ(step[0], (json{{"stream", "Step 1/2 : FROM busybox\n"}}));
  EXPECT_EQ(output.Add(Text("Successfully built 96ae2f8575c2\n")), "") << "held for the ID";
  EXPECT_EQ(output.Add(Text("Successfully tagged x:latest\n")), "");
  std::vector<json> lines = Lines(output.Add(Image(kId)));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], (json{{"id", "moby.image.id"}, {"aux", {{"ID", kId}}}}));
  EXPECT_EQ(lines[1], (json{{"stream", "Successfully built 96ae2f8575c2\n"}}));
  EXPECT_EQ(lines[2], (json{{"stream", "Successfully tagged x:latest\n"}}));
  EXPECT_EQ(output.Finish(grpc::Status::OK), "");
}

TEST(BuildOutputTest, QuietSendsTheIdAndAFailuresLog) {
  BuildOutput output(true);
  std::vector<json> lines = Lines(output.Add(Image(kId)));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["aux"]["ID"], kId);
  EXPECT_EQ(lines[1], (json{{"stream", kId + "\n"}}));
  // The builder sends a quiet build's text only when it failed: its log.
  BuildOutput failed(true);
  lines = Lines(failed.Add(Text("Step 1/2 : RUN false\n")));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], (json{{"stream", "Step 1/2 : RUN false\n"}}));
}

TEST(BuildOutputTest, AFailureAfterSuccessfullyBuiltKeepsTheText) {
  BuildOutput output(false);
  EXPECT_EQ(output.Add(Text("Successfully built 96ae2f8575c2\n")), "");
  std::vector<json> lines =
      Lines(output.Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "tag Bad: invalid reference format")));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["stream"], "Successfully built 96ae2f8575c2\n");
  EXPECT_EQ(lines[1]["error"], "tag Bad: invalid reference format");
  EXPECT_FALSE(lines[1]["errorDetail"].contains("code")) << "no exit code in that message";
}

TEST(BuildOutputTest, ARunsExitCodeIsTheErrorsCode) {
  std::vector<json> lines = Lines(BuildErrorLine("The command '/bin/sh -c exit 3' returned a non-zero code: 3"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["errorDetail"]["code"], 3);
  EXPECT_EQ(lines[0]["errorDetail"]["message"], "The command '/bin/sh -c exit 3' returned a non-zero code: 3");
  EXPECT_EQ(lines[0]["error"], lines[0]["errorDetail"]["message"]);
}

}  // namespace
}  // namespace berth::docker
