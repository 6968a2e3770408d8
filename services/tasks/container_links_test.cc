#include "services/tasks/container_links.h"

#include "gtest/gtest.h"

namespace berth::tasks {
namespace {

v1::Container Web() {
  v1::Container web;
  web.set_id("47f72881c72104be664d5a062b1782efbaeb82bbd28863ccee7dbe85f6509bad");
  web.set_name("web");
  web.mutable_spec()->set_hostname("47f72881c721");
  web.mutable_spec()->add_env("PATH=/bin");
  web.mutable_spec()->add_env("FOO=bar");
  web.mutable_spec()->add_exposed_ports("80/tcp");
  web.mutable_network_settings()->set_ip_address("10.231.0.2");
  return web;
}

TEST(ContainerLinks, ParseLink) {
  auto link = ParseLink("web:db");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->name, "web");
  EXPECT_EQ(link->alias, "db");
  link = ParseLink("/web");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->alias, "web");
  EXPECT_FALSE(ParseLink("a:b:c").ok());
  EXPECT_FALSE(ParseLink(":db").ok());
}

// What dockerd 20.10 wrote for `--link web:db` and `--link web`.
TEST(ContainerLinks, HostsLineAsDockerd) {
  EXPECT_EQ(LinkHostsLine({"web", "db"}, Web()), "10.231.0.2\tdb 47f72881c721 web\n");
  EXPECT_EQ(LinkHostsLine({"web", "web"}, Web()), "10.231.0.2\tweb 47f72881c721\n");
}

TEST(ContainerLinks, EnvAsDockerd) {
  std::vector<std::string> env = LinkEnv({"web", "my-db"}, "app", Web());
  std::vector<std::string> want = {
      "MY_DB_PORT=tcp://10.231.0.2:80",  "MY_DB_PORT_80_TCP=tcp://10.231.0.2:80",
      "MY_DB_PORT_80_TCP_ADDR=10.231.0.2", "MY_DB_PORT_80_TCP_PORT=80",
      "MY_DB_PORT_80_TCP_PROTO=tcp",     "MY_DB_NAME=/app/my-db",
      "MY_DB_ENV_FOO=bar"};
  EXPECT_EQ(env, want);
}

}  // namespace
}  // namespace berth::tasks
