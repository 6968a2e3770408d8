#include "services/network/dns.h"

#include "gtest/gtest.h"

namespace berth::network {
namespace {

// A query for NAME type A, id 0x1234, recursion desired.
std::string Query(const std::string& name, uint16_t type = 1) {
  std::string q = {'\x12', '\x34', '\x01', '\x00', 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<char>(dot - start));
    q.append(name, start, dot - start);
    start = dot + 1;
  }
  q.push_back(0);
  q.push_back(static_cast<char>(type >> 8));
  q.push_back(static_cast<char>(type & 0xff));
  q.push_back(0);
  q.push_back(1);
  return q;
}

TEST(DnsResponderTest, AnswersNamesOfTheNetwork) {
  DnsResponder dns([](const std::string& name, const std::string& client) -> std::optional<std::string> {
    if (name == "db") return "10.1.2.3";
    if (name == "peer" && client == "10.1.2.9") return "10.9.0.5";
    return std::nullopt;
  }, {});
  std::string answer = dns.Answer(Query("DB"));
  ASSERT_GE(answer.size(), 16u);
  EXPECT_EQ(answer.substr(0, 2), "\x12\x34");
  EXPECT_EQ(answer[7], 1);  // one answer
  EXPECT_EQ(answer.substr(answer.size() - 4), std::string("\x0a\x01\x02\x03", 4));
  // A name only some clients may see.
  EXPECT_EQ(dns.Answer(Query("peer"), "10.1.2.9")[7], 1);
  EXPECT_EQ(dns.Answer(Query("peer"), "10.1.2.10")[3] & 0x0f, 2);
  // AAAA of our name: no data, no error.
  std::string none = dns.Answer(Query("db", 28));
  EXPECT_EQ(none[7], 0);
  EXPECT_EQ(none[3] & 0x0f, 0);
  // Unknown names go upstream; with none reachable: SERVFAIL.
  std::string fail = dns.Answer(Query("example.com"));
  EXPECT_EQ(fail[3] & 0x0f, 2);
  // Malformed: no answer.
  EXPECT_EQ(dns.Answer("junk"), "");
}

TEST(HostNameserversTest, ReadsResolvConf) {
  EXPECT_EQ(HostNameservers("# c\nnameserver 1.1.1.1\nsearch x\nnameserver  9.9.9.9 \n"),
            (std::vector<std::string>{"1.1.1.1", "9.9.9.9"}));
}

}  // namespace
}  // namespace berth::network
