#include "cli/template_printf.h"

#include "cli/template_value.h"
#include "gtest/gtest.h"

namespace berth::cli::gotmpl {
namespace {

using json = nlohmann::json;

TEST(GoSprintfTest, Verbs) {
  EXPECT_EQ(GoSprintf("%s|%v|%d|%t", {"str", json::array({"a", "b"}), 42, true}), "str|[a b]|42|true");
  EXPECT_EQ(GoSprintf("%5.1f|%-4s|%04d|%x|%X|%o|%b", {3.14159, "ab", 7, 255, 255, 8, 5}),
            "  3.1|ab  |0007|ff|FF|10|101");
  EXPECT_EQ(GoSprintf("%q %q %c %U", {"a\"b\n", 97, 0x263A, 0x263A}), "\"a\\\"b\\n\" 'a' \xE2\x98\xBA U+263A");
  EXPECT_EQ(GoSprintf("%x %X", {"hi", "hi"}), "6869 6869");
  EXPECT_EQ(GoSprintf("%.2s|%6.2f|%e|%g|%g", {"héllo", 2.0, 1500.0, 0.5, 1e21}), "hé|  2.00|1.500000e+03|0.5|1e+21");
  EXPECT_EQ(GoSprintf("%5v|%-5v|", {1, "x"}), "    1|x    |");
  EXPECT_EQ(GoSprintf("%s", {json::array({"x", "y"})}), "[x y]");
  EXPECT_EQ(GoSprintf("100%%", {}), "100%");
  EXPECT_EQ(GoSprintf("%d", {-255}), "-255");
  EXPECT_EQ(GoSprintf("%x", {-255}), "-ff");
}

TEST(GoSprintfTest, MistakesPrintAsGoDoes) {
  EXPECT_EQ(GoSprintf("%d", {"x"}), "%!d(string=x)");
  EXPECT_EQ(GoSprintf("%s", {5}), "%!s(int=5)");
  EXPECT_EQ(GoSprintf("%s", {nullptr}), "%!s(<nil>)");
  EXPECT_EQ(GoSprintf("%d %s", {1}), "1 %!s(MISSING)");
  EXPECT_EQ(GoSprintf("%d", {1, "x", 2}), "1%!(EXTRA string=x, int=2)");
  EXPECT_EQ(GoSprintf("%", {}), "%!(NOVERB)");
  EXPECT_EQ(GoSprintf("%z", {1}), "%!z(int=1)");
}

TEST(GoSprintTest, SpacesBetweenNonStrings) {
  EXPECT_EQ(GoSprint({1, 2, "a", "b", 3}), "1 2ab3");
  EXPECT_EQ(GoSprintln({"a", 1, nullptr}), "a 1 <nil>\n");
}

TEST(FormatGoFloatTest, MatchesStrconvShortestG) {
  EXPECT_EQ(FormatGoFloat(0), "0");
  EXPECT_EQ(FormatGoFloat(0.5), "0.5");
  EXPECT_EQ(FormatGoFloat(-2.25), "-2.25");
  EXPECT_EQ(FormatGoFloat(100), "100");
  EXPECT_EQ(FormatGoFloat(123456), "123456");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatGoFloat(1e100), "1e+100");
}

TEST(FormatValueTest, GoPercentV) {
  EXPECT_EQ(FormatValue(json::parse(R"({"b": [1, "x"], "a": null, "c": {"d": false}})")),
            "map[a:<nil> b:[1 x] c:map[d:false]]");
  EXPECT_EQ(FormatValue(json::array()), "[]");
  EXPECT_EQ(FormatValue(json::object()), "map[]");
  EXPECT_EQ(GoQuote("tab\there\x01"), "\"tab\\there\\x01\"");
}

}  // namespace
}  // namespace berth::cli::gotmpl
