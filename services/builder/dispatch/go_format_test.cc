#include "services/builder/dispatch/go_format.h"

#include "gtest/gtest.h"

namespace berth::builder {
namespace {

TEST(GoFormatTest, QuoteEscapesAsStrconv) {
  EXPECT_EQ(GoQuote("echo hi"), "\"echo hi\"");
  EXPECT_EQ(GoQuote("say \"x\" \\ y"), "\"say \\\"x\\\" \\\\ y\"");
  EXPECT_EQ(GoQuote("a\tb\nc\x01"), "\"a\\tb\\nc\\x01\"");
  EXPECT_EQ(GoQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(GoQuote("bad\xff"), "\"bad\\xff\"");
  EXPECT_EQ(GoQuote("nb\xc2\xa0sp"), "\"nb\\u00a0sp\"");
  EXPECT_EQ(GoQuote("\xf0\x9f\x90\xb3"), "\"\xf0\x9f\x90\xb3\"");
}

TEST(GoFormatTest, QuoteRuneIsWhatPercentQPrintsForAnInt) {
  EXPECT_EQ(GoQuoteRune(0), "'\\x00'");
  EXPECT_EQ(GoQuoteRune(3), "'\\x03'");
  EXPECT_EQ(GoQuoteRune(10), "'\\n'");
  EXPECT_EQ(GoQuoteRune(65), "'A'");
  EXPECT_EQ(GoQuoteRune(39), "'\\''");
  EXPECT_EQ(GoQuoteRune(-1), "'\xef\xbf\xbd'");
}

TEST(GoFormatTest, Lists) {
  EXPECT_EQ(GoQuotedList({"/bin/sh", "-c", "echo \"hi\""}),
            "[\"/bin/sh\" \"-c\" \"echo \\\"hi\\\"\"]");
  EXPECT_EQ(GoQuotedList({}), "[]");
  EXPECT_EQ(GoPlainList({"/data", "/logs"}), "[/data /logs]");
}

TEST(GoFormatTest, DurationAsGo) {
  EXPECT_EQ(GoDuration(0), "0s");
  EXPECT_EQ(GoDuration(30000000000), "30s");
  EXPECT_EQ(GoDuration(90000000000), "1m30s");
  EXPECT_EQ(GoDuration(3600000000000), "1h0m0s");
  EXPECT_EQ(GoDuration(1500000000), "1.5s");
  EXPECT_EQ(GoDuration(500000000), "500ms");
  EXPECT_EQ(GoDuration(1500), "1.5µs");
  EXPECT_EQ(GoDuration(999), "999ns");
  EXPECT_EQ(GoDuration(-2000000000), "-2s");
}

TEST(GoFormatTest, PathClean) {
  EXPECT_EQ(GoPathClean("/a/b/../c/./d/"), "/a/c/d");
  EXPECT_EQ(GoPathClean("//a//b"), "/a/b");
  EXPECT_EQ(GoPathClean("/../x"), "/x");
  EXPECT_EQ(GoPathClean("a/../.."), "..");
  EXPECT_EQ(GoPathClean(""), ".");
  EXPECT_EQ(GoPathClean("/"), "/");
}

}  // namespace
}  // namespace berth::builder
