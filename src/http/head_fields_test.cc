#include "http/head_fields.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace warden::http {
namespace {

namespace bhttp = net::http;

TEST(HeadFields, LooksFieldsUpByEnumOrByNameInAnyCase) {
  HeadFields fields;
  fields.Add(bhttp::field::authorization, "Authorization", "Bearer a");
  fields.Add("X-Api-Key", "k1");
  fields.Add("x-api-key", "k2");
  fields.Add("Transfer-Encoding", "chunked");
  EXPECT_EQ(fields.Get(bhttp::field::authorization), "Bearer a");
  EXPECT_EQ(fields.Get("authorization"), "Bearer a");
  EXPECT_EQ(fields.Get("X-API-KEY"), "k1");                     // the first of two
  EXPECT_EQ(fields.At(3).id, bhttp::field::transfer_encoding);  // the name's enum, looked up
  EXPECT_EQ(fields.Count(bhttp::field::transfer_encoding), 1u);
  EXPECT_TRUE(fields.Has(bhttp::field::transfer_encoding));
  EXPECT_FALSE(fields.Has(bhttp::field::content_length));
  EXPECT_TRUE(fields.Has("x-api-key"));
  EXPECT_FALSE(fields.Has("x-api-ke"));  // no prefix matches
  EXPECT_EQ(fields.Get("x-absent"), "");
  EXPECT_EQ(fields.Get(bhttp::field::host), "");
}

TEST(HeadFields, AListFieldIsReadAcrossEveryRepeat) {
  HeadFields fields;
  fields.Add("Connection", "keep-alive");
  fields.Add("Host", "a");
  fields.Add("connection", " X-Internal ,close");
  EXPECT_TRUE(fields.ListHas(bhttp::field::connection, "x-internal"));
  EXPECT_TRUE(fields.ListHas(bhttp::field::connection, "CLOSE"));
  EXPECT_FALSE(fields.ListHas(bhttp::field::connection, "upgrade"));
  std::string storage;
  EXPECT_EQ(fields.ListValue(bhttp::field::connection, storage), "keep-alive,  X-Internal ,close");
  EXPECT_TRUE(HeaderListHas(fields.ListValue(bhttp::field::connection, storage), "x-internal"));
  std::string unused;
  const std::string_view host = fields.ListValue(bhttp::field::host, unused);
  EXPECT_EQ(host, "a");
  EXPECT_TRUE(unused.empty());  // one field: a view of it, no copy
  EXPECT_EQ(fields.ListValue(bhttp::field::upgrade, unused), "");
}

TEST(HeadFields, ASmallHeadsMemoryIsKeptALargeOnesGivenBack) {
  HeadFields fields;
  fields.Add(bhttp::field::server, "Server", "nginx");
  fields.Clear();
  const std::size_t small = fields.held_bytes();
  EXPECT_GE(small, std::string_view("Servernginx").size());
  EXPECT_EQ(fields.size(), 0u);
  const std::string big(HeadFields::kKeptBytes, 'v');
  fields.Add(bhttp::field::unknown, "x-big", big);
  EXPECT_EQ(fields.At(0).value, big);
  EXPECT_GT(fields.held_bytes(), HeadFields::kKeptBytes);
  fields.Clear();
  EXPECT_LE(fields.held_bytes(), small);
  // One budget: many small fields whose names, values and entries add up past it.
  for (int i = 0; i < 1000; ++i) fields.Add(bhttp::field::unknown, "x-f", "v");
  EXPECT_GT(fields.held_bytes(), HeadFields::kKeptBytes);
  fields.Clear();
  EXPECT_LE(fields.held_bytes(), small);
  fields.Add(bhttp::field::server, "Server", "nginx");
  EXPECT_EQ(fields.Get(bhttp::field::server), "nginx");
}

}  // namespace
}  // namespace warden::http
