#include "services/cri/streaming/terminal_size.h"

#include "gtest/gtest.h"

namespace berth::cri::streaming {
namespace {

TEST(TerminalSizeTest, ReadsWhatKubectlWrites) {
  EXPECT_EQ(EncodeTerminalSize({80, 24}), "{\"Width\":80,\"Height\":24}\n");
  TerminalSizeDecoder decoder;
  std::vector<TerminalSize> sizes;
  ASSERT_TRUE(decoder.Feed(EncodeTerminalSize({80, 24}) + EncodeTerminalSize({132, 43}), &sizes).ok());
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_EQ(sizes[0], (TerminalSize{80, 24}));
  EXPECT_EQ(sizes[1], (TerminalSize{132, 43}));
}

TEST(TerminalSizeTest, PiecesAndAnyCaseAndNoSeparator) {
  TerminalSizeDecoder decoder;
  std::vector<TerminalSize> sizes;
  ASSERT_TRUE(decoder.Feed("{\"width\":10,", &sizes).ok());
  EXPECT_TRUE(sizes.empty());
  ASSERT_TRUE(decoder.Feed("\"HEIGHT\":5}{\"Width\":1,\"Height\":2}  ", &sizes).ok());
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_EQ(sizes[0], (TerminalSize{10, 5}));
  EXPECT_EQ(sizes[1], (TerminalSize{1, 2}));
}

TEST(TerminalSizeTest, WhatIsNotASizeIsAnError) {
  for (const char* bad : {"[1,2]", "{\"Width\":-1,\"Height\":2}", "{\"Width\":70000,\"Height\":2}",
                          "{\"Width\":\"80\",\"Height\":2}", "{broken}"}) {
    TerminalSizeDecoder decoder;
    std::vector<TerminalSize> sizes;
    EXPECT_FALSE(decoder.Feed(bad, &sizes).ok()) << bad;
  }
  TerminalSizeDecoder decoder;
  std::vector<TerminalSize> sizes;
  EXPECT_FALSE(decoder.Feed("{" + std::string(5000, ' '), &sizes).ok());
}

}  // namespace
}  // namespace berth::cri::streaming
