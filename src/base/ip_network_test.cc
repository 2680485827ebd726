#include "base/ip_network.hpp"

#include <gtest/gtest.h>

namespace warden {
namespace {

IpNetwork Net(std::string_view text) {
  IpNetworkParse p = ParseIpNetwork(text);
  EXPECT_TRUE(p.network.has_value()) << text << ": " << p.error;
  return p.network.value_or(IpNetwork{});
}

IpAddress Addr(std::string_view text) {
  std::optional<IpAddress> a = ParseIpAddress(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

TEST(IpNetwork, MatchesAddressesAndCidrs) {
  struct Case {
    const char* network;
    const char* address;
    bool contained;
  } const kCases[] = {
      {"127.0.0.2/32", "127.0.0.2", true},
      {"127.0.0.2/32", "127.0.0.1", false},
      {"127.0.0.2", "127.0.0.2", true},
      {"10.0.0.0/8", "10.255.1.2", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"0.0.0.0/0", "203.0.113.7", true},
      {"0.0.0.0/0", "2001:db8::1", false},  // an IPv4 network holds IPv4 peers only
      {"172.16.0.0/12", "172.31.255.255", true},
      {"172.16.0.0/12", "172.32.0.0", false},
      {"::1", "::1", true},
      {"::1", "::2", false},
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"fe80::/10", "fe80::1%eth0", true},
      {"::/0", "2001:db8::1", true},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(Net(c.network).Contains(Addr(c.address)), c.contained)
        << c.network << " ∋ " << c.address;
  }
}

TEST(IpNetwork, Ipv4MappedPeersMatchIpv4Entries) {
  EXPECT_TRUE(Net("10.0.0.0/8").Contains(Addr("::ffff:10.1.2.3")));
  EXPECT_TRUE(Net("127.0.0.2/32").Contains(Addr("::ffff:127.0.0.2")));
  EXPECT_FALSE(Net("127.0.0.2/32").Contains(Addr("::ffff:127.0.0.1")));
  // And a mapped entry matches a plain IPv4 peer.
  EXPECT_TRUE(Net("::ffff:10.0.0.0/104").Contains(Addr("10.9.9.9")));
  EXPECT_TRUE(Net("::ffff:10.0.0.1").Contains(Addr("10.0.0.1")));
}

TEST(IpNetwork, RefusesMalformedEntries) {
  struct Case {
    const char* text;
    const char* error;
  } const kCases[] = {
      {"", "not an IP address"},
      {"localhost", "not an IP address"},
      {"10.0.0.0/33", "prefix length must be 0..32"},
      {"::/129", "prefix length must be 0..128"},
      {"10.0.0.0/", "prefix length"},
      {"10.0.0.0/-1", "prefix length"},
      {"10.0.0.0/8x", "prefix length"},
      {" 10.0.0.1", "not an IP address"},
      {"10.0.0.1:80", "not an IP address"},
      {"[::1]", "not an IP address"},
      {"fe80::1%eth0", "zone"},
      {"10.0.0.1/8", "did you mean \"10.0.0.0/8\" or \"10.0.0.1\"?"},
      {"2001:db8::1/32", "did you mean \"2001:db8::/32\""},
  };
  for (const Case& c : kCases) {
    IpNetworkParse p = ParseIpNetwork(c.text);
    EXPECT_FALSE(p.network.has_value()) << c.text;
    EXPECT_NE(p.error.find(c.error), std::string::npos) << c.text << ": " << p.error;
  }
}

TEST(IpAddress, PrintsIpv4MappedAsIpv4) {
  EXPECT_EQ(Addr("::ffff:192.0.2.1").ToString(), "192.0.2.1");
  EXPECT_EQ(Addr("192.0.2.1").ToString(), "192.0.2.1");
  EXPECT_EQ(Addr("2001:DB8::1").ToString(), "2001:db8::1");
  EXPECT_TRUE(Addr("::ffff:192.0.2.1") == Addr("192.0.2.1"));
}

TEST(IpAddress, IsLoopback) {
  EXPECT_TRUE(Addr("127.0.0.1").IsLoopback());
  EXPECT_TRUE(Addr("127.9.9.9").IsLoopback());
  EXPECT_TRUE(Addr("::ffff:127.0.0.2").IsLoopback());
  EXPECT_TRUE(Addr("::1").IsLoopback());
  EXPECT_FALSE(Addr("10.0.0.1").IsLoopback());
  EXPECT_FALSE(Addr("::2").IsLoopback());
}

TEST(IpNetwork, InAnyNetwork) {
  const std::vector<IpNetwork> nets = {Net("127.0.0.2/32"), Net("2001:db8::/64")};
  EXPECT_TRUE(InAnyNetwork(nets, Addr("127.0.0.2")));
  EXPECT_TRUE(InAnyNetwork(nets, Addr("2001:db8::5")));
  EXPECT_FALSE(InAnyNetwork(nets, Addr("127.0.0.1")));
  EXPECT_FALSE(InAnyNetwork({}, Addr("127.0.0.2")));
}

}  // namespace
}  // namespace warden
