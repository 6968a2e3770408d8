#include "services/cri/stream_tokens.h"

#include <set>

#include "gtest/gtest.h"

namespace berth::cri {
namespace {

runtime::v1::ExecRequest Exec(const std::string& id) {
  runtime::v1::ExecRequest request;
  request.set_container_id(id);
  return request;
}

TEST(StreamTokensTest, ATokenGivesItsRequestOnce) {
  StreamTokens tokens;
  auto token = tokens.Insert(Exec("c1"));
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->size(), 11u);  // 8 bytes in unpadded base64url
  auto request = tokens.Consume(*token);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(std::get<runtime::v1::ExecRequest>(*request).container_id(), "c1");
  EXPECT_FALSE(tokens.Consume(*token).has_value());
  EXPECT_FALSE(tokens.Consume("unknown").has_value());
}

TEST(StreamTokensTest, TokensDiffer) {
  StreamTokens tokens;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(*tokens.Insert(Exec("c")));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(StreamTokensTest, ATokenExpiresAfterItsTtl) {
  absl::Time now = absl::FromUnixSeconds(1000);
  StreamTokens::Options options;
  options.now = [&now] { return now; };
  StreamTokens tokens(options);
  std::string early = *tokens.Insert(Exec("early"));
  now += absl::Seconds(59);
  std::string late = *tokens.Insert(Exec("late"));
  now += absl::Seconds(2);  // early is 61 s old, late 2 s
  EXPECT_FALSE(tokens.Consume(early).has_value());
  EXPECT_TRUE(tokens.Consume(late).has_value());
}

TEST(StreamTokensTest, WhenFullTheOldestGoes) {
  StreamTokens::Options options;
  options.max_waiting = 2;
  StreamTokens tokens(options);
  std::string a = *tokens.Insert(Exec("a"));
  std::string b = *tokens.Insert(Exec("b"));
  std::string c = *tokens.Insert(Exec("c"));
  EXPECT_FALSE(tokens.Consume(a).has_value());
  EXPECT_TRUE(tokens.Consume(b).has_value());
  EXPECT_TRUE(tokens.Consume(c).has_value());
}

}  // namespace
}  // namespace berth::cri
