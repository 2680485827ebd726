// Fuzzes upstream response framing as the exchange and the relay (src/proxy/exchange.cc,
// relay.cc) read it with warden's ResponseParser (src/http/response_parser.cc: Beast's parser,
// the fields copied into reused memory, the body into a buffer or a string): the header with a
// 64 KiB limit and no body limit; for an error status the classified path (the body into a
// string, 256 KiB limit); otherwise the body relayed through one small fixed buffer, re-framed
// for the caller (Content-Length kept, or chunked; hop-by-hop headers dropped; modelled here with
// Beast's serializer). SSE streams take this path.
//
// Input: the bytes the provider sends. Its last byte also picks the relay buffer size (warden's
// 16 KiB or a small one, so that bodies split across many reads), the read chunk size, and
// whether an error status takes the classified path.
// Invariants: no crash/UB/leak/hang; every relay step makes progress; a response read whole has
// the fields and body Beast's own string_body parser reads from the same bytes; when the relay
// completes, what the caller receives parses as one HTTP response whose body equals the
// upstream body as that parser reads it.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "beast_read.hpp"
#include "fuzz_util.hpp"
#include "http/response_parser.hpp"

using namespace warden::fuzz;

namespace {

constexpr std::size_t kErrorBodyLimit = 256 * 1024;  // pipeline.cc
constexpr std::array<std::size_t, 4> kRelayBuffers = {16 * 1024, 1, 7, 64};
constexpr std::array<std::size_t, 4> kChunks = {1, 5, 512, 65536};

bool IsHopByHop(std::string_view name) {  // pipeline.cc
  static constexpr std::array<std::string_view, 9> kHop = {
      "connection",        "keep-alive",        "proxy-connection", "te",
      "trailer",           "transfer-encoding", "upgrade",          "proxy-authorization",
      "proxy-authenticate"};
  for (auto h : kHop) {
    if (beast::iequals(name, h)) return true;
  }
  return false;
}

// The caller's socket: collects what warden writes.
struct Sink {
  using executor_type = boost::asio::any_io_executor;
  std::string out;
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, error_code& ec) {
    ec = {};
    std::size_t n = 0;
    for (auto b : beast::buffers_range_ref(buffers)) {
      out.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    error_code ec;
    return write_some(buffers, ec);
  }
};

// The upstream response as a plain string_body parser reads it from the same bytes (nullopt when
// it does not read a complete response).
std::optional<bhttp::response<bhttp::string_body>> ReferenceResponse(std::string_view bytes) {
  ChunkedSource src(bytes, bytes.size() + 1);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> p;
  p.header_limit(64 * 1024);
  // The input holds the whole body: a larger announced length can never complete, and the
  // string body would reserve it.
  p.body_limit(bytes.size());
  error_code ec;
  Read(src, buffer, p, ec);
  if (ec) return std::nullopt;
  return p.release();
}

// Whether warden's parser read the head and body the reference did.
void CheckAgainstReference(std::string_view bytes, const warden::http::ResponseParser& parser,
                           std::string_view body) {
  const auto expected = ReferenceResponse(bytes);
  FUZZ_CHECK(expected.has_value(), "a response read whole that a string_body parser refuses");
  FUZZ_CHECK(expected->body() == body, "the body differs from the string_body parser's");
  FUZZ_CHECK(expected->result_int() == parser.status(), "the status differs");
  // Beast's fields keep same-named fields together; warden's keep the arrival order. Compared as
  // the same (id, name, value) entries, same-named ones in the same order.
  using Entry = std::tuple<std::string, std::string, int>;  // lower-case name, value, id
  const auto sorted = [](std::vector<Entry> v) {
    std::stable_sort(v.begin(), v.end(), [](const Entry& a, const Entry& b) {
      return std::get<0>(a) < std::get<0>(b);
    });
    return v;
  };
  const auto lower = [](std::string_view name) {
    std::string out(name);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  std::vector<Entry> theirs;
  for (const auto& f : *expected) {
    theirs.emplace_back(lower(f.name_string()), std::string(f.value()), static_cast<int>(f.name()));
  }
  std::vector<Entry> mine;
  for (const warden::http::HeadFields::Field f : parser.fields()) {
    mine.emplace_back(lower(f.name), std::string(f.value), static_cast<int>(f.id));
  }
  FUZZ_CHECK(sorted(theirs) == sorted(mine), "the fields differ from the string_body parser's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t ctl = data[size - 1];
  const std::size_t relay_bytes = kRelayBuffers[ctl & 3];
  const bool keyed = ctl & 0x10;  // a pooled key: any status >= 400 is classified
  const std::string_view input = AsView(data, size);
  ChunkedSource src(input, kChunks[(ctl >> 2) & 3]);
  beast::flat_buffer up_buffer;

  warden::http::HeadFields fields;
  warden::http::ResponseParser parser(fields);
  parser.header_limit(64 * 1024);
  parser.body_limit(boost::none);
  error_code ec;
  ReadHeader(src, up_buffer, parser, ec);
  if (ec) return 0;  // 502

  const int status = static_cast<int>(parser.status());
  if (status >= 400 && (keyed || status == 401)) {
    // exchange.cc refuses an announced length over the limit before reading the body.
    if (parser.content_length() && *parser.content_length() > kErrorBodyLimit) return 0;  // 502
    std::string body;
    parser.BodyInto(body);
    parser.body_limit(kErrorBodyLimit);
    Read(src, up_buffer, parser, ec);
    if (ec) return 0;  // 502
    (void)parser.keep_alive();
    (void)fields.Get(bhttp::field::retry_after);
    FUZZ_CHECK(body.size() <= kErrorBodyLimit);
    CheckAgainstReference(input.substr(0, src.consumed()), parser, body);
    return 0;
  }

  parser.body_limit(boost::none);
  bhttp::response<bhttp::buffer_body> res;
  res.version(11);
  res.result(parser.status());
  for (const warden::http::HeadFields::Field f : fields) {
    if (!IsHopByHop(f.name) && f.id != bhttp::field::content_length) res.insert(f.name, f.value);
  }
  const bool has_length = parser.content_length().has_value();
  const bool bodyless = status == 204 || status == 304 || (status >= 100 && status < 200);
  if (has_length)
    res.content_length(*parser.content_length());
  else if (!bodyless)
    res.chunked(true);
  res.keep_alive(true);
  res.set("x-content-type-options", "nosniff");
  res.body().data = nullptr;
  res.body().more = !bodyless;

  Sink client;
  bhttp::response_serializer<bhttp::buffer_body> sr{res};
  if (bodyless) {
    bhttp::write(client, sr, ec);
    if (ec && ec != bhttp::error::need_buffer) return 0;
    return 0;
  }

  // RelayBody
  std::string relayed;
  std::vector<char> buf(relay_bytes);
  bool done = true;
  const std::size_t max_steps = 4 * size + 64;
  std::size_t steps = 0;
  do {
    FUZZ_CHECK(++steps <= max_steps, "relay makes no progress");
    if (!parser.is_done()) {
      parser.BodyInto(buf);
      ReadSome(src, up_buffer, parser, ec);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        done = false;  // kUpstreamFailed
        break;
      }
      res.body().size = parser.body_written();
      res.body().more = !parser.is_done();
      res.body().data = res.body().size > 0 ? buf.data() : nullptr;
      relayed.append(buf.data(), res.body().size);
    } else {
      res.body().data = nullptr;
      res.body().size = 0;
      res.body().more = false;
    }
    bhttp::write(client, sr, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    FUZZ_CHECK(!ec, "writing to the caller failed", ec.message());
  } while (!sr.is_done());
  if (!done) return 0;

  FUZZ_CHECK(parser.is_done(), "serializer done before the upstream body");
  // What the caller receives is one well-framed response with the upstream's body.
  CheckAgainstReference(input.substr(0, src.consumed()), parser, relayed);
  ChunkedSource back(client.out, client.out.size() + 1);
  beast::flat_buffer back_buffer;
  bhttp::response_parser<bhttp::string_body> cp;
  cp.body_limit(boost::none);
  Read(back, back_buffer, cp, ec);
  FUZZ_CHECK(!ec, "the caller cannot parse the relayed response", ec.message());
  FUZZ_CHECK(cp.get().body() == relayed, "the caller reads a different body");
  FUZZ_CHECK(back.consumed() == client.out.size() && back_buffer.size() == 0,
             "bytes after the relayed response");
  return 0;
}
