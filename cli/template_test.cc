#include "cli/template.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::cli {
namespace {

// What docker's --format would see for a container (docker inspect's shape).
const nlohmann::json& Container() {
  static const nlohmann::json container = nlohmann::json::parse(R"({
    "Id": "3f2a9c",
    "Name": "/web",
    "Args": ["-g", "daemon off;"],
    "RestartCount": 0,
    "State": {"Status": "running", "Running": true, "Paused": false, "Pid": 1234,
              "ExitCode": 0, "Health": null},
    "Config": {"Image": "nginx:latest", "Env": ["A=1", "B=2"], "Cmd": null,
               "Labels": {"com.example": "yes", "maintainer": "me"}},
    "HostConfig": {"NanoCpus": 1500000000, "Memory": 0, "CpuPercent": 0.5},
    "Mounts": [{"Type": "volume", "Source": "/var/lib/berth/volumes/data", "Destination": "/data"}],
    "NetworkSettings": {
      "Networks": {"mynet": {"IPAddress": "10.0.0.5", "Gateway": "10.0.0.1"},
                   "bridge": {"IPAddress": "172.17.0.2", "Gateway": "172.17.0.1"}},
      "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": null}
    }
  })");
  return container;
}

// docker network inspect's shape.
const nlohmann::json& Network() {
  static const nlohmann::json network = nlohmann::json::parse(R"({
    "Name": "bridge",
    "IPAM": {"Driver": "default", "Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]},
    "Containers": {"3f2a9c": {"Name": "web", "IPv4Address": "172.17.0.2/16"},
                   "77b1e0": {"Name": "db", "IPv4Address": "172.17.0.3/16"}},
    "Options": {}
  })");
  return network;
}

// The output, or the error message prefixed with "error: ".
std::string Render(const std::string& text, const nlohmann::json& data = Container()) {
  absl::StatusOr<Template> parsed = Template::Parse(text);
  if (!parsed.ok()) return "error: " + std::string(parsed.status().message());
  absl::StatusOr<std::string> out = parsed->Execute(data);
  if (!out.ok()) return "error: " + std::string(out.status().message());
  return *out;
}

TEST(TemplateTest, TextAndFields) {
  EXPECT_EQ(Render("plain text"), "plain text");
  EXPECT_EQ(Render(""), "");
  EXPECT_EQ(Render("{{.Name}}"), "/web");
  EXPECT_EQ(Render("name={{ .Name }} status={{.State.Status}}"), "name=/web status=running");
  EXPECT_EQ(Render("{{.NetworkSettings.Networks.bridge.IPAddress}}"), "172.17.0.2");
  EXPECT_EQ(Render("{{.}}", "just a string"), "just a string");
  EXPECT_EQ(Render("{{.State.Pid}} {{.State.Running}}"), "1234 true");
}

TEST(TemplateTest, MissingMapKeyPrintsNoValue) {
  EXPECT_EQ(Render("{{.Config.Labels.missing}}"), "<no value>");
  // A field of no value is no value, as in Go.
  EXPECT_EQ(Render("{{.Config.Labels.missing.deeper}}"), "<no value>");
  EXPECT_EQ(Render("{{.NetworkSettings.Networks.host}}"), "<no value>");
  EXPECT_EQ(Render("{{.Options.x}}", Network()), "<no value>");
  // nil prints as <no value> too (Go digs into the nil interface).
  EXPECT_EQ(Render("{{.Config.Cmd}}"), "<no value>");
}

TEST(TemplateTest, UnknownStructFieldIsAnError) {
  EXPECT_EQ(Render("{{.Nope}}"), "error: template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope");
  // A chain's errors are at its first chained field, as Go's parser places it.
  EXPECT_EQ(Render("{{.State.Nope}}"),
            "error: template: :1:8: executing \"\" at <.State.Nope>: can't evaluate field Nope");
  EXPECT_EQ(Render("{{.State.Health.Status}}"),
            "error: template: :1:8: executing \"\" at <.State.Health.Status>: nil pointer evaluating "
            "interface {}.Status");
  EXPECT_EQ(Render("{{.Name.First}}"),
            "error: template: :1:7: executing \"\" at <.Name.First>: can't evaluate field First in type string");
  EXPECT_EQ(Render("line one\n  {{.Nope}}"),
            "error: template: :2:4: executing \"\" at <.Nope>: can't evaluate field Nope");
}

// docker inspect --format as the docker 28 CLI answers it (checked against
// it): first over docker's typed structs, then over the raw JSON with
// missingkey=error.
std::string Inspect(const std::string& text, const nlohmann::json& data) {
  absl::StatusOr<Template> parsed = Template::Parse(text);
  if (!parsed.ok()) return "error: " + std::string(parsed.status().message());
  absl::StatusOr<std::string> out = parsed->ExecuteInspect(data);
  if (!out.ok()) return "error: " + std::string(out.status().message());
  return *out;
}

// A container without a health check: docker leaves State.Health and
// Config.Healthcheck out (omitempty), Entrypoint is null.
const nlohmann::json& Unhealthchecked() {
  static const nlohmann::json container = nlohmann::json::parse(R"({
    "Id": "d967a2", "Name": "/nohc",
    "State": {"Status": "created", "Running": false, "Pid": 0},
    "Config": {"Image": "bb", "Cmd": ["sleep", "100"], "Entrypoint": null, "Labels": {},
               "Volumes": null},
    "HostConfig": {"Binds": null, "PidsLimit": null, "LogConfig": {"Type": "json-file", "Config": {}}},
    "NetworkSettings": {"Networks": {"none": {"IPAddress": ""}}}
  })");
  return container;
}

TEST(TemplateTest, InspectAbsentStructFieldsAreZeroValues) {
  const nlohmann::json& c = Unhealthchecked();
  EXPECT_EQ(Inspect("{{if .State.Health}}yes{{else}}no{{end}}", c), "no");
  EXPECT_EQ(Inspect("{{with .State.Health}}{{.Status}}{{else}}none{{end}}", c), "none");
  EXPECT_EQ(Inspect("{{.State.Health}}", c), "<nil>");
  EXPECT_EQ(Inspect("{{with .State}}{{.Health}}{{end}}", c), "<nil>");
  EXPECT_EQ(Inspect("{{and .State.Health .State.Running}}", c), "<nil>");
  EXPECT_EQ(Inspect("{{or .State.Health \"x\"}}", c), "x");
  EXPECT_EQ(Inspect("{{not .State.Health}}", c), "true");
  EXPECT_EQ(Inspect("{{json .State.Health}}", c), "null");
  EXPECT_EQ(Inspect("{{if .Config.Healthcheck}}y{{else}}n{{end}}", c), "n");
  // Zero values of their Go kinds: nil slices, maps and pointers, "" and false.
  EXPECT_EQ(Inspect("{{.Config.Entrypoint}}|{{.Config.Volumes}}|{{.HostConfig.PidsLimit}}", c), "[]|map[]|<nil>");
  EXPECT_EQ(Inspect("{{.Config.StopSignal}}|{{.Config.Shell}}|{{.Config.ArgsEscaped}}|{{.Config.StopTimeout}}", c),
            "|[]|false|<nil>");
  EXPECT_EQ(Inspect("{{.Config.ExposedPorts}} {{len .Config.ExposedPorts}} {{len .HostConfig.Binds}}", c),
            "map[] 0 0");
  EXPECT_EQ(Inspect("{{index .Config.Labels \"x\"}}|{{index .HostConfig.Annotations \"x\"}}", c), "|");
  EXPECT_EQ(Inspect("{{range .State.Health.Log}}x{{else}}none{{end}}", c),
            "error: template: :1:14: executing \"\" at <.State.Health.Log>: map has no entry for key \"Health\"");
  // Maps stay maps, even with keys that look like Go fields.
  EXPECT_EQ(Inspect("{{.Config.Labels.x}} {{.NetworkSettings.Networks.bridge}}", c), "<no value> <no value>");
  EXPECT_EQ(Inspect("{{.Labels.Other}}", nlohmann::json::parse(R"({"Labels": {"Maintainer": "me"}})")),
            "<no value>");
  // What is there reads as before.
  EXPECT_EQ(Inspect("{{.State.Status}} {{.Config.Cmd}}", c), "created [sleep 100]");
}

TEST(TemplateTest, InspectFieldThroughAbsentOneIsAnError) {
  const nlohmann::json& c = Unhealthchecked();
  // The typed run fails (nil pointer), the raw one names the missing key.
  EXPECT_EQ(Inspect("{{.State.Health.Status}}", c),
            "error: template: :1:8: executing \"\" at <.State.Health.Status>: map has no entry for key \"Health\"");
  EXPECT_EQ(Inspect("x {{.State.Health.Status}}", c),
            "error: template: :1:10: executing \"\" at <.State.Health.Status>: map has no entry for key \"Health\"");
  EXPECT_EQ(Inspect("{{.Config.Healthcheck.Test}}", c),
            "error: template: :1:9: executing \"\" at <.Config.Healthcheck.Test>: map has no entry for key "
            "\"Healthcheck\"");
  EXPECT_EQ(Inspect("{{len .State.Health}}", c),
            "error: template: :1:12: executing \"\" at <.State.Health>: map has no entry for key \"Health\"");
  EXPECT_EQ(Inspect("{{$x := .State}}{{$x.Health.Status}}", c),
            "error: template: :1:20: executing \"\" at <$x.Health.Status>: map has no entry for key \"Health\"");
  // A field no docker struct has: an error in both runs.
  EXPECT_EQ(Inspect("{{.Nope}} {{.Nope2}}", c),
            "error: template: :1:2: executing \"\" at <.Nope>: map has no entry for key \"Nope\"");
  EXPECT_EQ(Inspect("line one\n  {{.State.Nope}}", c),
            "error: template: :2:10: executing \"\" at <.State.Nope>: map has no entry for key \"Nope\"");
  EXPECT_EQ(Inspect("{{.Name.First}}", c),
            "error: template: :1:7: executing \"\" at <.Name.First>: can't evaluate field First in type interface {}");
  // A missing map entry is no error in the typed run: no second one.
  EXPECT_EQ(Inspect("{{.Config.Labels.x.y}}", c), "<no value>");
  // The raw run's index answers a struct-like object too.
  EXPECT_EQ(Inspect("{{index .State \"Health\"}}", c), "<no value>");
}

TEST(TemplateTest, Range) {
  // Maps range in sorted key order.
  EXPECT_EQ(Render("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}"), "172.17.0.2 10.0.0.5 ");
  EXPECT_EQ(Render("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}"), "com.example=yes maintainer=me ");
  EXPECT_EQ(Render("{{range $i, $e := .Args}}{{$i}}:{{$e}};{{end}}"), "0:-g;1:daemon off;;");
  EXPECT_EQ(Render("{{range $e := .Config.Env}}[{{$e}}]{{end}}"), "[A=1][B=2]");
  EXPECT_EQ(Render("{{range .Config.Env}}{{.}},{{end}}"), "A=1,B=2,");
  EXPECT_EQ(Render("{{range .Config.Cmd}}x{{else}}no cmd{{end}}"), "no cmd");
  EXPECT_EQ(Render("{{range .Options}}x{{else}}empty{{end}}", Network()), "empty");
  EXPECT_EQ(Render("{{range .Config.Labels.missing}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(Render("{{range .Args}}{{$.Name}} {{end}}"), "/web /web ");
  EXPECT_EQ(Render("{{range .Config.Env}}{{if eq . \"B=2\"}}{{break}}{{end}}{{.}}{{end}}"), "A=1");
  EXPECT_EQ(Render("{{range .Config.Env}}{{if eq . \"A=1\"}}{{continue}}{{end}}{{.}}{{end}}"), "B=2");
  EXPECT_EQ(Render("{{range .Name}}{{end}}"),
            "error: template: :1:8: executing \"\" at <.Name>: range can't iterate over /web");
}

TEST(TemplateTest, Variables) {
  EXPECT_EQ(Render("{{$name := .Name}}{{$name}}"), "/web");
  EXPECT_EQ(Render("{{$n := 0}}{{range .Args}}{{$n = 1}}{{end}}{{$n}}"), "1");
  EXPECT_EQ(Render("{{$v := 0}}{{range $v = .Args}}{{end}}{{$v}}"), "daemon off;");
  EXPECT_EQ(Render("{{range $x := .Args}}{{end}}{{range $x := .Config.Env}}{{$x}}{{end}}"), "A=1B=2");
  EXPECT_EQ(Render("{{$.State.Status}}"), "running");
  EXPECT_EQ(Render("{{with $s := .State}}{{$s.Pid}}{{end}}"), "1234");
  // A variable declared in a block ends with it.
  EXPECT_EQ(Render("{{if true}}{{$x := 1}}{{end}}{{$x}}"), "error: template: :1: undefined variable \"$x\"");
  EXPECT_EQ(Render("{{$x = 1}}"), "error: template: :1: undefined variable \"$x\"");
}

TEST(TemplateTest, Index) {
  EXPECT_EQ(Render("{{(index .IPAM.Config 0).Gateway}}", Network()), "172.17.0.1");
  EXPECT_EQ(Render("{{index .Config.Labels \"com.example\"}}"), "yes");
  // A missing label is "" (docker's labels are map[string]string).
  EXPECT_EQ(Render("[{{index .Config.Labels \"absent\"}}]"), "[]");
  EXPECT_EQ(Render("{{index .NetworkSettings.Ports \"80/tcp\" 0 \"HostPort\"}}"), "8080");
  EXPECT_EQ(Render("{{range $p, $conf := .NetworkSettings.Ports}}{{$p}}->{{if $conf}}{{(index $conf 0).HostPort}}"
                   "{{else}}-{{end}} {{end}}"),
            "443/tcp->- 80/tcp->8080 ");
  EXPECT_EQ(Render("{{index .Args 1}}"), "daemon off;");
  EXPECT_EQ(Render("{{index .Args 5}}"),
            "error: template: :1:2: executing \"\" at <index .Args 5>: error calling index: index out of range: 5");
  EXPECT_EQ(Render("{{index .Args -1}}"),
            "error: template: :1:2: executing \"\" at <index .Args -1>: error calling index: index out of range: -1");
  EXPECT_EQ(Render("{{index .Args \"a\"}}"),
            "error: template: :1:2: executing \"\" at <index .Args \"a\">: error calling index: cannot index "
            "slice/array with type string");
  EXPECT_EQ(Render("{{index .State.Pid 0}}"),
            "error: template: :1:2: executing \"\" at <index .State.Pid 0>: error calling index: can't index item "
            "of type int");
  EXPECT_EQ(Render("{{index .Config.Cmd 0}}"),
            "error: template: :1:2: executing \"\" at <index .Config.Cmd 0>: error calling index: index of untyped "
            "nil");
}

TEST(TemplateTest, IfElseAndTruth) {
  EXPECT_EQ(Render("{{if .State.Running}}up{{else}}down{{end}}"), "up");
  EXPECT_EQ(Render("{{if .State.Paused}}paused{{else if .State.Running}}running{{else}}stopped{{end}}"), "running");
  EXPECT_EQ(Render("{{if .State.Paused}}a{{else if .State.Health}}b{{else}}c{{end}}"), "c");
  for (const char* falsy : {"false", "0", "0.0", "\"\"", "null", "[]", "{}"}) {
    EXPECT_EQ(Render("{{if .}}t{{else}}f{{end}}", nlohmann::json::parse(falsy)), "f") << falsy;
  }
  for (const char* truthy : {"true", "1", "-2", "0.5", "\"x\"", "[0]", "{\"a\":0}"}) {
    EXPECT_EQ(Render("{{if .}}t{{else}}f{{end}}", nlohmann::json::parse(truthy)), "t") << truthy;
  }
  EXPECT_EQ(Render("{{if .Config.Labels.missing}}t{{else}}f{{end}}"), "f");
}

TEST(TemplateTest, With) {
  EXPECT_EQ(Render("{{with .State}}{{.Status}}{{end}}"), "running");
  EXPECT_EQ(Render("{{with .State.Health}}{{.Status}}{{else}}no healthcheck{{end}}"), "no healthcheck");
  EXPECT_EQ(Render("{{with .Config.Cmd}}x{{else with .Config.Env}}{{index . 0}}{{end}}"), "A=1");
}

TEST(TemplateTest, AndOrNot) {
  EXPECT_EQ(Render("{{and 1 \"x\"}}"), "x");
  EXPECT_EQ(Render("{{and 0 \"x\"}}"), "0");
  EXPECT_EQ(Render("{{or \"\" \"b\"}}"), "b");
  EXPECT_EQ(Render("{{or .State.Running .Nope}}"), "true");  // stops before .Nope
  EXPECT_EQ(Render("{{not .State.Running}}"), "false");
  EXPECT_EQ(Render("{{if and .State.Health .State.Health.Status}}h{{else}}none{{end}}"), "none");
  EXPECT_EQ(Render("{{if not (or .State.Paused .State.Health)}}ok{{end}}"), "ok");
}

TEST(TemplateTest, Comparisons) {
  EXPECT_EQ(Render("{{if eq .State.Status \"running\"}}y{{end}}"), "y");
  EXPECT_EQ(Render("{{eq .State.Status \"exited\" \"running\"}}"), "true");  // any of
  EXPECT_EQ(Render("{{ne .State.ExitCode 0}}"), "false");
  EXPECT_EQ(Render("{{eq 0.0 .State.ExitCode}}"), "true");  // numbers by value
  EXPECT_EQ(Render("{{lt 1 2}} {{le 2 2}} {{gt 1.5 2}} {{ge 3 2}}"), "true true false true");
  EXPECT_EQ(Render("{{lt \"abc\" \"abd\"}} {{gt \"b\" \"a\"}}"), "true true");
  EXPECT_EQ(Render("{{eq .Config.Labels.missing \"x\"}} {{eq .State.Health nil}}"), "false true");
  EXPECT_EQ(Render("{{eq .State.Pid \"1234\"}}"),
            "error: template: :1:2: executing \"\" at <eq .State.Pid \"1234\">: error calling eq: incompatible types "
            "for comparison");
  EXPECT_EQ(Render("{{lt true false}}"),
            "error: template: :1:2: executing \"\" at <lt true false>: error calling lt: invalid type for comparison");
  EXPECT_EQ(Render("{{eq .Args .Args}}"),
            "error: template: :1:2: executing \"\" at <eq .Args .Args>: error calling eq: non-comparable type [-g "
            "daemon off;]: []interface {}");
}

TEST(TemplateTest, DockerFunctions) {
  EXPECT_EQ(Render("{{json .Mounts}}"),
            R"([{"Destination":"/data","Source":"/var/lib/berth/volumes/data","Type":"volume"}])");
  EXPECT_EQ(Render("{{json .Config.Labels}}"), R"({"com.example":"yes","maintainer":"me"})");
  EXPECT_EQ(Render("{{json .Name}} {{json .State.Pid}} {{json .Config.Cmd}}"), R"("/web" 1234 null)");
  EXPECT_EQ(Render("{{json \"a<b&c\"}}"), R"("a<b&c")");  // no HTML escaping, as docker
  EXPECT_EQ(Render("{{join .Args \" \"}}"), "-g daemon off;");
  EXPECT_EQ(Render("{{split .Config.Image \":\"}}"), "[nginx latest]");
  EXPECT_EQ(Render("{{index (split .Config.Image \":\") 1}}"), "latest");
  EXPECT_EQ(Render("{{len (split \"a\" \"\")}} {{split \"\" \",\"}}"), "1 []");
  EXPECT_EQ(Render("{{lower \"MiXeD\"}} {{upper .Name}}"), "mixed /WEB");
  EXPECT_EQ(Render("{{title \"hello world-wide foo_bar\"}}"), "Hello World-Wide Foo_bar");
  EXPECT_EQ(Render("[{{pad .State.Status 2 1}}][{{pad \"\" 2 1}}]"), "[  running ][]");
  EXPECT_EQ(Render("{{truncate .Id 3}} {{truncate .Id 30}}"), "3f2 3f2a9c");
  EXPECT_EQ(Render("{{.Name | lower | upper}}"), "/WEB");
  EXPECT_EQ(Render("{{join .Config.Labels \",\"}}"),
            "error: template: :1:2: executing \"\" at <join .Config.Labels \",\">: wrong type for value; expected "
            "[]string; got map[string]interface {}");
  EXPECT_EQ(Render("{{upper .State.Pid}}"),
            "error: template: :1:2: executing \"\" at <upper .State.Pid>: wrong type for value; expected string; got "
            "int");
  EXPECT_EQ(Render("{{join .Args}}"),
            "error: template: :1:2: executing \"\" at <join .Args>: wrong number of args for join: want 2 got 1");
}

TEST(TemplateTest, GoBuiltins) {
  EXPECT_EQ(Render("{{len .Mounts}} {{len .Name}} {{len .Config.Labels}}"), "1 4 2");
  EXPECT_EQ(Render("{{len .State.Pid}}"),
            "error: template: :1:2: executing \"\" at <len .State.Pid>: error calling len: len of type int");
  EXPECT_EQ(Render("{{println .Id}}"), "3f2a9c\n");
  EXPECT_EQ(Render("{{println .Id .State.Pid}}"), "3f2a9c 1234\n");
  EXPECT_EQ(Render("{{print 1 2 \"a\" \"b\" 3}}"), "1 2ab3");
  EXPECT_EQ(Render("{{.Name | printf \"%s\"}}"), "/web");
  EXPECT_EQ(Render("{{printf \"%s has pid %d\" .Name .State.Pid}}"), "/web has pid 1234");
  EXPECT_EQ(Render("{{printf \"%v\" .Config.Labels}}"), "map[com.example:yes maintainer:me]");
  EXPECT_EQ(Render("{{slice .Id 1 3}} {{slice .Args 1}}"), "f2 [daemon off;]");
  EXPECT_EQ(Render("{{html \"<a href='x'>&\\\"\"}}"), "&lt;a href=&#39;x&#39;&gt;&amp;&#34;");
  EXPECT_EQ(Render("{{js \"it's <b>=\\n\"}}"), "it\\'s \\u003Cb\\u003E\\u003D\\u000A");
  EXPECT_EQ(Render("{{urlquery \"a b&c=d/é\"}} {{urlquery 1 2}}"), "a+b%26c%3Dd%2F%C3%A9 1+2");
}

TEST(TemplateTest, Literals) {
  EXPECT_EQ(Render("{{\"a\\tb\\\"c\\u00e9\"}}"), "a\tb\"c\xc3\xa9");
  EXPECT_EQ(Render("{{`raw\\n`}}"), "raw\\n");
  EXPECT_EQ(Render("{{42}} {{-7}} {{1.5}} {{1e6}} {{0x1F}} {{'a'}} {{true}} {{false}}"),
            "42 -7 1.5 1e+06 31 97 true false");
  EXPECT_EQ(Render("{{printf \"%d-%s\" 3 \"x\"}}"), "3-x");
  EXPECT_EQ(Render("{{nil}}"), "error: template: :1:2: executing \"\" at <nil>: nil is not a command");
  EXPECT_EQ(Render("{{\"a\" \"b\"}}"),
            "error: template: :1:2: executing \"\" at <\"a\">: can't give argument to non-function \"a\"");
}

TEST(TemplateTest, PrintsValuesAsGo) {
  EXPECT_EQ(Render("{{.Args}}"), "[-g daemon off;]");
  EXPECT_EQ(Render("{{.Config.Labels}}"), "map[com.example:yes maintainer:me]");
  EXPECT_EQ(Render("{{.HostConfig.NanoCpus}} {{.HostConfig.CpuPercent}}"), "1500000000 0.5");
  EXPECT_EQ(Render("{{.}}", nlohmann::json::parse(R"([1, 2.5, null, true, "s", {"b": [], "a": {}}])")),
            "[1 2.5 <nil> true s map[a:map[] b:[]]]");
  EXPECT_EQ(Render("{{.}}", 18446744073709551615ULL), "18446744073709551615");
  EXPECT_EQ(Render("{{.}}", 100.0), "100");
  EXPECT_EQ(Render("{{.}}", 1234567.0), "1.234567e+06");
  EXPECT_EQ(Render("{{.}}", 0.00001), "1e-05");
}

TEST(TemplateTest, TrimMarkersAndComments) {
  EXPECT_EQ(Render("a  {{- .State.Status -}}  \n b"), "arunningb");
  EXPECT_EQ(Render("a {{-.State.Pid}}"), "error: template: :1: bad number syntax: \"-.S\"");
  EXPECT_EQ(Render("{{range .Config.Env -}}\n  {{.}}\n{{- end}}"), "A=1B=2");
  EXPECT_EQ(Render("a{{/* a comment */}}b"), "ab");
  EXPECT_EQ(Render("a {{- /* trimmed */ -}} b"), "ab");
  EXPECT_EQ(Render("{{/* unclosed }}"), "error: template: :1: unclosed comment");
  EXPECT_EQ(Render("{{/* c */ .Name}}"), "error: template: :1: comment ends before closing delimiter");
  // Actions may span lines.
  EXPECT_EQ(Render("{{printf \"%s-%s\"\n  .Name\n  .Id}}"), "/web-3f2a9c");
}

TEST(TemplateTest, ParseErrors) {
  EXPECT_EQ(Render("{{.Name"), "error: template: :1: unclosed action");
  EXPECT_EQ(Render("ok\n{{.Name"), "error: template: :2: unclosed action");
  EXPECT_EQ(Render("{{.Name }"), "error: template: :1: unexpected \"}\" in operand");
  EXPECT_EQ(Render("{{foo .Name}}"), "error: template: :1: function \"foo\" not defined");
  EXPECT_EQ(Render("{{if .State.Running}}up"), "error: template: :1: unexpected EOF");
  EXPECT_EQ(Render("{{range .Args}}x{{else}}y{{else}}z{{end}}"), "error: template: :1: expected end; found {{else}}");
  EXPECT_EQ(Render("x{{end}}"), "error: template: :1: unexpected {{end}}");
  EXPECT_EQ(Render("{{else}}"), "error: template: :1: unexpected {{else}}");
  EXPECT_EQ(Render("{{$x}}"), "error: template: :1: undefined variable \"$x\"");
  EXPECT_EQ(Render("{{\"abc}}"), "error: template: :1: unterminated quoted string");
  EXPECT_EQ(Render("{{break}}"), "error: template: :1: {{break}} outside {{range}}");
  EXPECT_EQ(Render("{{}}"), "error: template: :1: missing value for command");
  EXPECT_EQ(Render("{{if}}x{{end}}"), "error: template: :1: missing value for if");
  EXPECT_EQ(Render("{{.Name | }}"), "/web");  // Go accepts a trailing |
  EXPECT_EQ(Render("{{.Name | \"x\"}}"), "error: template: :1: non executable command in pipeline stage 2");
  EXPECT_EQ(Render("{{(.Name}}"), "error: template: :1: unclosed left paren");
  EXPECT_EQ(Render("{{.Name)}}"), "error: template: :1: unexpected right paren");
  EXPECT_EQ(Render("{{.Name ,}}"), "error: template: :1: unexpected \",\" in operand");
  EXPECT_EQ(Render("{{\"x\".Name}}"), "error: template: :1: unexpected . after term \"\\\"x\\\"\"");
  EXPECT_EQ(Render("{{template \"x\"}}"), "error: template: :1: {{template}} is not supported in --format templates");
  EXPECT_EQ(Render("{{.Name #}}"), "error: template: :1: unexpected \"#\" in operand");
  EXPECT_EQ(Render("{{1x}}"), "error: template: :1: bad number syntax: \"1x\"");
}

TEST(TemplateTest, ExecutionErrors) {
  EXPECT_EQ(Render("{{.Name \"x\"}}"),
            "error: template: :1:2: executing \"\" at <.Name>: Name is not a method but has arguments");
  EXPECT_EQ(Render("{{\"x\" | .Name}}"),
            "error: template: :1:8: executing \"\" at <.Name>: Name is not a method but has arguments");
  EXPECT_EQ(Render("{{.Name | len | printf \"%d\" | upper}}"), "4");
  EXPECT_EQ(Render("{{index .Args 0 | len}}"), "2");
  // A function with a field chain is called without arguments.
  EXPECT_EQ(Render("{{println.x}}"),
            "error: template: :1:2: executing \"\" at <println>: can't evaluate field x in type string");
  // The whole failing node, however long (docker 28's Go).
  EXPECT_EQ(Render("{{index .NetworkSettings.Networks 7}}"),
            "error: template: :1:2: executing \"\" at <index .NetworkSettings.Networks 7>: error calling index: value "
            "has type "
            "int; should be string");
}

// Formats from docker's documentation and common scripts.
TEST(TemplateTest, DockerExamples) {
  EXPECT_EQ(Render("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"), "172.17.0.210.0.0.5");
  EXPECT_EQ(Render("{{.NetworkSettings.Networks.bridge.Gateway}}"), "172.17.0.1");
  EXPECT_EQ(Render("{{range $p, $conf := .NetworkSettings.Ports}}{{with $conf}}{{$p}} -> {{(index $conf 0).HostPort}}"
                   "{{end}}{{end}}"),
            "80/tcp -> 8080");
  EXPECT_EQ(Render("{{ range $c, $n := .Containers }} => {{$c}} {{$n.Name}} {{end}}", Network()),
            " => 3f2a9c web  => 77b1e0 db ");
  EXPECT_EQ(Render("{{range .IPAM.Config}}{{.Subnet}}{{end}}", Network()), "172.17.0.0/16");
  EXPECT_EQ(Render("{{range .Mounts}}{{.Source}}:{{.Destination}}{{\"\\n\"}}{{end}}"),
            "/var/lib/berth/volumes/data:/data\n");
  EXPECT_EQ(Render("{{ range $k, $v := .Config.Labels -}} {{ $k }}={{ $v }} {{ end -}}"),
            "com.example=yes maintainer=me ");
  EXPECT_EQ(Render("{{.State.Status}} {{.State.Pid}} {{.RestartCount}}"), "running 1234 0");
  EXPECT_EQ(Render("{{ if eq 0.0 .State.ExitCode }}{{.Name}} {{.State.ExitCode}}{{end}}"), "/web 0");
  EXPECT_EQ(Render("{{range $k, $v := index .IPAM.Config 0}}{{$v | printf \"%s: %s \" $k}}{{end}}", Network()),
            "Gateway: 172.17.0.1 Subnet: 172.17.0.0/16 ");
  EXPECT_EQ(Render("{{json .State}}"),
            R"({"ExitCode":0,"Health":null,"Paused":false,"Pid":1234,"Running":true,"Status":"running"})");
}

}  // namespace
}  // namespace berth::cli
