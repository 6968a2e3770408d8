#include "cli/output.h"

#include "gtest/gtest.h"

namespace berth::cli {
namespace {

TEST(RenderFormatTest, JsonAndFieldPaths) {
  nlohmann::json value = {{"Server", {{"Version", "0.1.0"}, {"Components", {1, 2}}}},
                          {"Count", 3}};
  EXPECT_EQ(*RenderFormat("json", value), value.dump());
  EXPECT_EQ(*RenderFormat("{{json .}}", value), value.dump());
  EXPECT_EQ(*RenderFormat("{{.Server.Version}}", value), "0.1.0");
  EXPECT_EQ(*RenderFormat("v={{ .Server.Version }} n={{.Count}}", value), "v=0.1.0 n=3");
  EXPECT_EQ(*RenderFormat("{{json .Server.Components}}", value), "[1,2]");
  EXPECT_EQ(*RenderFormat("a\\tb", value), "a\tb");
}

TEST(RenderFormatTest, ErrorsNameTheProblem) {
  nlohmann::json value = {{"A", 1}};
  auto missing = RenderFormat("{{.B}}", value);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("can't evaluate field B"), std::string::npos);
  EXPECT_FALSE(RenderFormat("{{.A", value).ok());
  EXPECT_FALSE(RenderFormat("{{range .}}", value).ok());
}

TEST(RenderFormatTest, GoTemplates) {
  nlohmann::json value = {{"Name", "web"},
                          {"Args", {"-g", "daemon off;"}},
                          {"Labels", {{"com.example", "yes"}}},
                          {"Networks", {{"bridge", {{"IPAddress", "172.17.0.2"}}}}}};
  EXPECT_EQ(*RenderFormat("{{range .Networks}}{{.IPAddress}}{{end}}", value), "172.17.0.2");
  EXPECT_EQ(*RenderFormat("{{index .Labels \"com.example\"}} {{.Labels.absent}}", value), "yes <no value>");
  EXPECT_EQ(*RenderFormat("{{if .Args}}{{join .Args \" \"}}{{end}}", value), "-g daemon off;");
  EXPECT_EQ(*RenderFormat("{{.Name | upper | printf \"%s!\"}}", value), "WEB!");
  EXPECT_EQ(RenderFormat("{{nope .Name}}", value).status().message(), "template: :1: function \"nope\" not defined");
}

TEST(RenderHeaderTest, KeepsColumnNames) {
  nlohmann::json header = {{"Names", "NAMES"}, {"Labels", "LABELS"}, {"ID", "CONTAINER ID"}};
  EXPECT_EQ(*RenderHeader("{{lower .Names}}\\t{{json .Labels}}\\t{{truncate .ID 3}}\\t{{join .Names \",\"}}", header),
            "NAMES\tLABELS\tCONTAINER ID\tNAMES");
  EXPECT_EQ(*RenderHeader("{{pad .Names 1 1}}", header), " NAMES ");  // pad keeps columns aligned
  EXPECT_EQ(*RenderFormat("{{lower .Names}}", header), "names");
}

TEST(RenderFormatTest, EscapesOnlyInTheFormatText) {
  nlohmann::json value = {{"Text", "a\\nb"}, {"List", {"x", "y"}}};
  // \n and \t typed in the format become newline and tab...
  EXPECT_EQ(*RenderFormat("{{.List}}\\n{{.List}}\\t.", value), "[x y]\n[x y]\t.");
  // ...but a value holding a backslash and an n prints as it is.
  EXPECT_EQ(*RenderFormat("{{.Text}}", value), "a\\nb");
  // Inside actions Go's string literals have their own escapes.
  EXPECT_EQ(*RenderFormat("{{join .List \"\\n\"}}", value), "x\ny");
  EXPECT_EQ(*RenderFormat("{{range .List -}} \\n {{- .}}{{end}}", value), "xy");
}

TEST(PrintInspectTest, RendersWhatItCanAndReportsTheRestAsDocker) {
  nlohmann::json objects = nlohmann::json::parse(R"([{"Name": "a", "State": {"Running": true}}, {"Name": "b"}])");
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int rc = PrintInspect(objects, "{{.Name}} {{.State.Running}}", 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "a true\n");
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "template parsing error: template: :1:18: executing \"\" at <.State.Running>: map has no "
            "entry for key \"State\"\n");
  EXPECT_EQ(rc, kExitDaemonError);

  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  EXPECT_EQ(PrintInspect(objects, "{{.Name", 0), 64);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "template parsing error: template: :1: unclosed action\n");

  testing::internal::CaptureStdout();
  EXPECT_EQ(PrintInspect(objects, "json", 0), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), objects.dump() + "\n");

  // Nothing to print is still a line, and rc (a missing object) passes through.
  testing::internal::CaptureStdout();
  EXPECT_EQ(PrintInspect(nlohmann::json::array(), "{{.Name}}", kExitDaemonError), kExitDaemonError);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "\n");
}

TEST(PrintFormattedTest, TrimsSpacesAndPrefixesErrors) {
  nlohmann::json object = {{"Name", "web"}};
  testing::internal::CaptureStdout();
  EXPECT_TRUE(PrintFormatted("  {{.Name}}\\t| ", object));
  EXPECT_TRUE(PrintFormatted("json", object));
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "web\t|\n{\"Name\":\"web\"}\n");
  testing::internal::CaptureStderr();
  EXPECT_FALSE(PrintFormatted("{{lower}}", object));
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "template parsing error: template: :1:2: executing \"\" at <lower>: wrong number of args for lower: "
            "want 1 got 0\n");
}

TEST(BytesSizeTest, MatchesDockerUnits) {
  EXPECT_EQ(BytesSize(0), "0B");
  EXPECT_EQ(BytesSize(1023), "1023B");
  EXPECT_EQ(BytesSize(1024), "1KiB");
  EXPECT_EQ(BytesSize(25200000000.0), "23.47GiB");
  EXPECT_EQ(BytesSize(5.5 * 1024 * 1024), "5.5MiB");
}

}  // namespace
}  // namespace berth::cli

namespace berth::cli {
namespace {

TEST(FormatTableTest, PadsLikeDockersTabwriter) {
  EXPECT_EQ(FormatTable({{"DRIVER", "VOLUME NAME"}, {"local", "data"}}),
            "DRIVER    VOLUME NAME\nlocal     data\n");
  EXPECT_EQ(FormatTable({{"A-LONGER-HEADER", "B"}, {"x", "y"}}),
            "A-LONGER-HEADER   B\nx                 y\n");
}

TEST(Rfc3339Test, PrintsUtc) { EXPECT_EQ(Rfc3339(1700000000), "2023-11-14T22:13:20Z"); }

}  // namespace
}  // namespace berth::cli

namespace berth::cli {
namespace {

TEST(HumanTest, MatchesDockerUnits) {
  EXPECT_EQ(HumanSize(4261236), "4.26MB");
  EXPECT_EQ(HumanSize(999), "999B");
  EXPECT_EQ(HumanSize(128000), "128kB");
  EXPECT_EQ(HumanDuration(0), "Less than a second");
  EXPECT_EQ(HumanDuration(45), "45 seconds");
  EXPECT_EQ(HumanDuration(90), "About a minute");
  EXPECT_EQ(HumanDuration(3 * 3600), "3 hours");
  EXPECT_EQ(HumanDuration(15 * 86400), "2 weeks");
  EXPECT_EQ(HumanDuration(800 * 86400), "2 years");
}

TEST(FormatTableTest, Utf8WidthCountsCharacters) {
  std::vector<std::vector<std::string>> rows = {{"COMMAND", "NAMES"}, {"\"ab…\"", "web"}};
  EXPECT_EQ(FormatTable(rows, /*utf8_width=*/true), "COMMAND   NAMES\n\"ab…\"     web\n");
  EXPECT_EQ(FormatTable(rows), "COMMAND   NAMES\n\"ab…\"   web\n");
}

}  // namespace
}  // namespace berth::cli
