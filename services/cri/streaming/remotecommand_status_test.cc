#include "services/cri/streaming/remotecommand_status.h"

#include "gtest/gtest.h"

namespace berth::cri::streaming {
namespace {

TEST(RemoteCommandStatusTest, WireFormsAsTheKubeletWritesThem) {
  EXPECT_EQ(SuccessStatusJson(), R"({"metadata":{},"status":"Success"})");
  EXPECT_EQ(ExitCodeStatusJson(3),
            R"({"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit )"
            R"(status 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}})");
  EXPECT_EQ(FailureStatusJson("container \"x\" not found"),
            R"({"metadata":{},"status":"Failure","message":"container \"x\" not found"})");
}

TEST(RemoteCommandStatusTest, ParsesWhatItWrites) {
  absl::StatusOr<RemoteCommandResult> result = ParseV4Status(SuccessStatusJson());
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->success);
  EXPECT_EQ(result->exit_code, 0);

  result = ParseV4Status(ExitCodeStatusJson(42));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->success);
  EXPECT_EQ(result->exit_code, 42);

  result = ParseV4Status(FailureStatusJson("no such container"));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->success);
  EXPECT_FALSE(result->exit_code.has_value());
  EXPECT_EQ(result->message, "no such container");

  // kubectl reads an error stream that closes empty as success.
  result = ParseV4Status("");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->success);
}

TEST(RemoteCommandStatusTest, UntrustedInputNeverThrows) {
  EXPECT_FALSE(ParseV4Status("not json").ok());
  EXPECT_FALSE(ParseV4Status("[1,2]").ok());
  EXPECT_FALSE(ParseV4Status(R"({"status":7})").ok());
  absl::StatusOr<RemoteCommandResult> odd =
      ParseV4Status(R"({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[1,{"reason":"ExitCode",)"
                    R"("message":"x"}]}})");
  ASSERT_TRUE(odd.ok());
  EXPECT_FALSE(odd->exit_code.has_value());
  odd = ParseV4Status(R"({"status":"Failure","reason":"NonZeroExitCode","details":"x"})");
  ASSERT_TRUE(odd.ok());
  EXPECT_FALSE(odd->success);
}

}  // namespace
}  // namespace berth::cri::streaming
