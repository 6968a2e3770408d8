#include "services/cri/streaming/upgrade.h"

#include "gtest/gtest.h"

namespace berth::cri::streaming {
namespace {

HttpHeaderList Offer(std::vector<std::string> protocols) {
  HttpHeaderList headers = {{"Connection", "Upgrade"}, {"Upgrade", "SPDY/3.1"}};
  for (std::string& protocol : protocols) headers.emplace_back("X-Stream-Protocol-Version", std::move(protocol));
  return headers;
}

std::string HeaderOf(const UpgradeAnswer& answer, const std::string& name) {
  for (const auto& [key, value] : answer.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(UpgradeTest, ClientPreferenceWinsAmongWhatTheServerSupports) {
  UpgradeAnswer answer = NegotiateSpdyUpgrade(Offer({"v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io"}),
                                              RemoteCommandProtocols());
  ASSERT_TRUE(answer.ok()) << answer.body;
  EXPECT_EQ(answer.protocol, "v4.channel.k8s.io");
  EXPECT_EQ(HeaderOf(answer, "X-Stream-Protocol-Version"), "v4.channel.k8s.io");
  EXPECT_EQ(HeaderOf(answer, "Upgrade"), "SPDY/3.1");
  EXPECT_EQ(HeaderOf(answer, "Connection"), "Upgrade");

  // An older client: its first common choice, even where we know newer.
  answer = NegotiateSpdyUpgrade(Offer({"v2.channel.k8s.io", "channel.k8s.io"}), RemoteCommandProtocols());
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer.protocol, "v2.channel.k8s.io");
}

TEST(UpgradeTest, CommaSeparatedOffersAndHeaderCase) {
  HttpHeaderList headers = {{"connection", "keep-alive, Upgrade"},
                            {"upgrade", "spdy/3.1"},
                            {"x-stream-protocol-version", "v9.channel.k8s.io, v3.channel.k8s.io"}};
  UpgradeAnswer answer = NegotiateSpdyUpgrade(headers, RemoteCommandProtocols());
  ASSERT_TRUE(answer.ok()) << answer.body;
  EXPECT_EQ(answer.protocol, "v3.channel.k8s.io");
}

TEST(UpgradeTest, NoCommonProtocolIsForbiddenWithTheAcceptedList) {
  UpgradeAnswer answer = NegotiateSpdyUpgrade(Offer({"v4.channel.k8s.io"}), {kPortForwardV1});
  EXPECT_EQ(answer.status, 403);
  EXPECT_EQ(HeaderOf(answer, "X-Accepted-Stream-Protocol-Versions"), "portforward.k8s.io");
  EXPECT_EQ(answer.body,
            "unable to upgrade: unable to negotiate protocol: client supports [v4.channel.k8s.io], server accepts "
            "[portforward.k8s.io]");
  // The same offer where it is supported passes.
  EXPECT_TRUE(NegotiateSpdyUpgrade(Offer({"portforward.k8s.io"}), {kPortForwardV1}).ok());
}

TEST(UpgradeTest, MissingOfferOrUpgradeHeadersIsBadRequest) {
  UpgradeAnswer answer = NegotiateSpdyUpgrade(Offer({}), RemoteCommandProtocols());
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body, "unable to upgrade: X-Stream-Protocol-Version is required");

  answer = NegotiateSpdyUpgrade({{"X-Stream-Protocol-Version", "v4.channel.k8s.io"}}, RemoteCommandProtocols());
  EXPECT_EQ(answer.status, 400);
  answer = NegotiateSpdyUpgrade(
      {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"X-Stream-Protocol-Version", "v4.channel.k8s.io"}},
      RemoteCommandProtocols());
  EXPECT_EQ(answer.status, 400);
}

TEST(UpgradeTest, AnswersAndRequestsParseBack) {
  UpgradeAnswer answer = NegotiateSpdyUpgrade(Offer({"v4.channel.k8s.io"}), RemoteCommandProtocols());
  const std::string text = FormatUpgradeAnswer(answer);
  EXPECT_EQ(text.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
  absl::StatusOr<HttpResponseHead> head = ParseResponseHead(text);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 101);
  EXPECT_EQ(head->Header("x-stream-protocol-version"), "v4.channel.k8s.io");

  const std::string refusal = FormatUpgradeAnswer(NegotiateSpdyUpgrade(Offer({}), RemoteCommandProtocols()));
  const size_t end = refusal.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  head = ParseResponseHead(refusal.substr(0, end + 4));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->status, 400);
  EXPECT_EQ(head->Header("Content-Length"), std::to_string(refusal.size() - end - 4));

  UpgradeRequest request;
  request.host = "127.0.0.1:10010";
  request.path = "/exec/abc";
  request.protocols = {"v4.channel.k8s.io", "v3.channel.k8s.io"};
  absl::StatusOr<HttpRequestHead> parsed = ParseRequestHead(FormatUpgradeRequest(request));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->method, "POST");
  EXPECT_EQ(parsed->target, "/exec/abc");
  UpgradeAnswer round = NegotiateSpdyUpgrade(parsed->headers, RemoteCommandProtocols());
  ASSERT_TRUE(round.ok()) << round.body;
  EXPECT_EQ(round.protocol, "v4.channel.k8s.io");
}

TEST(UpgradeTest, MalformedHeadsAreErrors) {
  EXPECT_FALSE(ParseResponseHead("HTTP/1.1 abc Nope\r\n\r\n").ok());
  EXPECT_FALSE(ParseResponseHead("SPDY 101\r\n\r\n").ok());
  EXPECT_FALSE(ParseResponseHead("HTTP/1.1 101 OK\r\nno colon here\r\n\r\n").ok());
  EXPECT_FALSE(ParseRequestHead("GET /\r\n\r\n").ok());
  EXPECT_TRUE(ParseRequestHead("GET / HTTP/1.1\r\nHost: x\r\n\r\n").ok());
}

}  // namespace
}  // namespace berth::cri::streaming
