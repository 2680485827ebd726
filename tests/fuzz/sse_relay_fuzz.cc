// Fuzzes upstream response framing as ProxyRequest/RelayBody (src/proxy/pipeline.cc) handle it:
// response_parser<empty_body> for the header (64 KiB limit, no body limit); for an error status
// the classified path (response_parser<string_body>, 256 KiB limit); otherwise the parser moved
// into response_parser<buffer_body> and relayed through one small fixed buffer with
// read_some, re-framed for the caller by a response_serializer<buffer_body> (Content-Length
// kept, or chunked; hop-by-hop headers dropped). SSE streams take this path.
//
// Input: the bytes the provider sends. Its last byte also picks the relay buffer size (warden's
// 16 KiB or a small one, so that bodies split across many reads), the read chunk size, and
// whether an error status takes the classified path.
// Invariants: no crash/UB/leak/hang; every relay step makes progress; when the relay completes,
// what the caller receives parses as one HTTP response whose body equals the upstream body as
// a string_body parser reads it from the same bytes.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "beast_read.hpp"
#include "fuzz_util.hpp"

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

// The upstream body as a plain string_body parser reads it from the same bytes (nullopt when it
// does not read a complete response).
std::optional<std::string> ReferenceBody(std::string_view bytes) {
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
  return p.release().body();
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

  std::optional<bhttp::response_parser<bhttp::empty_body>> hp;
  hp.emplace();
  hp->header_limit(64 * 1024);
  hp->body_limit(boost::none);
  error_code ec;
  ReadHeader(src, up_buffer, *hp, ec);
  if (ec) return 0;  // 502

  const int status = hp->get().result_int();
  if (status >= 400 && (keyed || status == 401)) {
    // exchange.cc refuses an announced length over the limit before the string body reserves it.
    if (hp->content_length() && *hp->content_length() > kErrorBodyLimit) return 0;  // 502
    bhttp::response_parser<bhttp::string_body> sp{std::move(*hp)};
    sp.body_limit(kErrorBodyLimit);
    Read(src, up_buffer, sp, ec);
    if (ec) return 0;  // 502
    bhttp::response<bhttp::string_body> up_res = sp.release();
    (void)up_res.keep_alive();
    (void)up_res[bhttp::field::retry_after];
    FUZZ_CHECK(up_res.body().size() <= kErrorBodyLimit);
    return 0;
  }

  bhttp::response_parser<bhttp::buffer_body> bp{std::move(*hp)};
  bp.body_limit(boost::none);
  bhttp::response<bhttp::buffer_body> res;
  res.version(11);
  res.result(bp.get().result_int());
  for (const auto& f : bp.get()) {
    if (!IsHopByHop(f.name_string()) && f.name() != bhttp::field::content_length)
      res.insert(f.name_string(), f.value());
  }
  const bool has_length = bp.content_length().has_value();
  const bool bodyless = status == 204 || status == 304 || (status >= 100 && status < 200);
  if (has_length)
    res.content_length(*bp.content_length());
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
    if (!bp.is_done()) {
      bp.get().body().data = buf.data();
      bp.get().body().size = buf.size();
      ReadSome(src, up_buffer, bp, ec);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        done = false;  // kUpstreamFailed
        break;
      }
      res.body().size = buf.size() - bp.get().body().size;
      res.body().more = !bp.is_done();
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

  FUZZ_CHECK(bp.is_done(), "serializer done before the upstream body");
  // What the caller receives is one well-framed response with the upstream's body.
  auto expected = ReferenceBody(input.substr(0, src.consumed()));
  FUZZ_CHECK(expected.has_value(), "relay completed a response a string_body parser refuses");
  FUZZ_CHECK(*expected == relayed, "relayed bytes differ from the upstream body");
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
