#include "services/network/dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::network {
namespace {

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kClassIn = 1;
constexpr uint32_t kTtl = 600;

uint16_t Get16(const std::string& data, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(data[at]) << 8) | static_cast<uint8_t>(data[at + 1]));
}

void Put16(std::string* out, uint16_t value) {
  out->push_back(static_cast<char>(value >> 8));
  out->push_back(static_cast<char>(value & 0xff));
}

// The question's name (lower case, without the final dot) and where the
// question ends; nullopt for anything malformed or compressed.
std::optional<std::pair<std::string, size_t>> ReadName(const std::string& data, size_t at) {
  std::string name;
  while (at < data.size()) {
    uint8_t length = static_cast<uint8_t>(data[at++]);
    if (length == 0) return std::make_pair(absl::AsciiStrToLower(name), at);
    if (length > 63 || at + length > data.size()) return std::nullopt;
    if (!name.empty()) name.push_back('.');
    name.append(data, at, length);
    at += length;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> HostNameservers(const std::string& text) {
  std::vector<std::string> servers;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, "nameserver")) servers.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return servers;
}

DnsResponder::~DnsResponder() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

absl::Status DnsResponder::Start(const std::string& address, int port) {
  sockaddr_in bind_to{};
  bind_to.sin_family = AF_INET;
  bind_to.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &bind_to.sin_addr) != 1) {
    return absl::InvalidArgumentError("dns: bad address " + address);
  }
  socket_.Reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!socket_.valid() ||
      ::bind(socket_.get(), reinterpret_cast<sockaddr*>(&bind_to), sizeof(bind_to)) != 0) {
    return absl::ErrnoToStatus(errno, "dns: listen on " + address);
  }
  thread_ = std::thread([this] { Serve(); });
  return absl::OkStatus();
}

void DnsResponder::Serve() {
  char buffer[1500];
  while (!stop_) {
    pollfd fd{socket_.get(), POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0) continue;
    sockaddr_in from{};
    socklen_t from_length = sizeof(from);
    ssize_t n = ::recvfrom(socket_.get(), buffer, sizeof(buffer), 0,
                           reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n <= 0) continue;
    char client[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &from.sin_addr, client, sizeof(client));
    std::string answer = Answer(std::string(buffer, static_cast<size_t>(n)), client);
    if (!answer.empty()) {
      ::sendto(socket_.get(), answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from),
               from_length);
    }
  }
}

std::string DnsResponder::Answer(const std::string& query, const std::string& client) {
  if (query.size() < 12 || (static_cast<uint8_t>(query[2]) & 0x80) != 0) return "";
  uint16_t questions = Get16(query, 4);
  if (questions != 1) return Forward(query);
  auto name = ReadName(query, 12);
  if (!name || name->second + 4 > query.size()) return "";
  uint16_t type = Get16(query, name->second);
  uint16_t klass = Get16(query, name->second + 2);
  std::optional<std::string> address;
  if (klass == kClassIn && name->first.find('.') == std::string::npos) address = lookup_(name->first, client);
  if (!address) return Forward(query);
  // Ours: answer A with the address; other types of our names: no data.
  std::string response = query.substr(0, name->second + 4);
  response[2] = static_cast<char>(0x84 | (query[2] & 0x01));  // QR, AA, RD copied
  response[3] = static_cast<char>(0x80);                       // RA, NOERROR
  in_addr ip{};
  bool answer = type == kTypeA && ::inet_pton(AF_INET, address->c_str(), &ip) == 1;
  response[6] = 0;
  response[7] = answer ? 1 : 0;
  response[8] = response[9] = response[10] = response[11] = 0;
  if (answer) {
    Put16(&response, 0xc00c);  // the question's name
    Put16(&response, kTypeA);
    Put16(&response, kClassIn);
    Put16(&response, static_cast<uint16_t>(kTtl >> 16));
    Put16(&response, static_cast<uint16_t>(kTtl & 0xffff));
    Put16(&response, 4);
    response.append(reinterpret_cast<const char*>(&ip.s_addr), 4);
  }
  return response;
}

std::string DnsResponder::Forward(const std::string& query) {
  for (const std::string& server : upstreams_) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(53);
    if (::inet_pton(AF_INET, server.c_str(), &to.sin_addr) != 1) continue;
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0 ||
        ::send(fd.get(), query.data(), query.size(), 0) < 0) {
      continue;
    }
    pollfd wait{fd.get(), POLLIN, 0};
    if (::poll(&wait, 1, 2000) <= 0) continue;
    char buffer[4096];
    ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n > 0) return std::string(buffer, static_cast<size_t>(n));
  }
  // SERVFAIL: nobody upstream answered.
  std::string response = query.substr(0, std::min<size_t>(query.size(), 12));
  if (response.size() < 12) return "";
  response[2] = static_cast<char>(0x80 | (query[2] & 0x01));
  response[3] = static_cast<char>(0x82);
  for (int i = 4; i < 12; ++i) response[i] = 0;
  return response;
}

}  // namespace berth::network
