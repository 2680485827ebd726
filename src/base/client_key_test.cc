#include "base/client_key.hpp"

#include <gtest/gtest.h>

namespace warden {
namespace {

TEST(ClientKey, GroupsIpv6ByPrefixAndUnmapsIpv4) {
  struct Case {
    const char* address;
    int bits;
    const char* key;
  } const kCases[] = {
      {"203.0.113.7", 64, "203.0.113.7"},
      {"::ffff:203.0.113.7", 64, "203.0.113.7"},
      {"::ffff:203.0.113.7", 128, "203.0.113.7"},
      {"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64"},
      {"2001:db8:1:2::1", 64, "2001:db8:1:2::/64"},
      {"2001:db8::1", 64, "2001:db8::/64"},
      {"2001:db8::ffff", 64, "2001:db8::/64"},
      {"2001:db8:0:1::1", 64, "2001:db8:0:1::/64"},
      {"2001:db8:1:2::1", 128, "2001:db8:1:2::1/128"},
      {"2001:db8:1:2::1", 56, "2001:db8:1::/56"},
      {"2001:db8:1:2::1", 48, "2001:db8:1::/48"},
      {"2001:db8:1:ffff::1", 48, "2001:db8:1::/48"},
      {"2001:db8:1:2::1", 52, "2001:db8:1::/52"},
      {"2001:db8:1:f002::1", 52, "2001:db8:1:f000::/52"},
      {"2001:DB8::1", 64, "2001:db8::/64"},
      {"fe80::1%eth0", 64, "fe80::/64"},
      {"::1", 64, "::/64"},
      {"::1", 128, "::1/128"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(ClientKey(c.address, c.bits), c.key) << c.address << " /" << c.bits;
  }
}

TEST(ClientKey, DefaultsToSlash64) { EXPECT_EQ(ClientKey("2001:db8::42"), "2001:db8::/64"); }

TEST(ClientKey, ClampsThePrefix) {
  EXPECT_EQ(ClientKey("2001:db8::1", 200), "2001:db8::1/128");
  EXPECT_EQ(ClientKey("2001:db8::1", -3), "::/0");
}

TEST(ClientKey, NonAddressesPassThrough) {
  EXPECT_EQ(ClientKey(""), "");
  EXPECT_EQ(ClientKey("not-an-address"), "not-an-address");
  EXPECT_EQ(ClientKey("2001:db8::1:2:3:4:5:6:7:8:9:a:b:c:d:e:f:0:1:2:3:4:5:6:7:8"),
            "2001:db8::1:2:3:4:5:6:7:8:9:a:b:c:d:e:f:0:1:2:3:4:5:6:7:8");
}

}  // namespace
}  // namespace warden
