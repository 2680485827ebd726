// Fuzzes HTTP/1.1 request framing as warden's server reads it (src/http/server.cc, RunSession):
// a keep-alive loop of request_parser<RequestBody> (http/request_body.hpp) with
// header_limit/body_limit, read_header, the version and smuggling checks, then read of the body,
// over one flat_buffer that carries pipelined bytes from one request to the next.
//
// Input: the bytes the client sends. The last byte also picks the read chunk size and the
// limits (warden's defaults, or small ones so that the 431/413 paths are reachable).
// Invariants: no crash/UB/leak; a released request's body matches its framing and the limit.
#include <array>
#include <boost/optional.hpp>
#include <cstdint>

#include "beast_read.hpp"
#include "fuzz_util.hpp"
#include "http/request_body.hpp"

using namespace warden::fuzz;

namespace {

constexpr std::array<std::size_t, 8> kChunks = {1, 2, 3, 7, 64, 512, 4096, 65536};
constexpr int kMaxRequests = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t ctl = data[size - 1];
  const bool small_limits = ctl & 0x08;
  // gateway.max_header_bytes / max_body_bytes: defaults 64 KiB / 32 MiB (config/config.hpp).
  const std::uint32_t header_limit = small_limits ? 256 : 64u << 10;
  const std::uint64_t body_limit = small_limits ? 128 : 32u << 20;

  ChunkedSource src(AsView(data, size), kChunks[ctl & 7]);
  beast::flat_buffer buffer;
  bool first = true;
  for (int i = 0; i < kMaxRequests; ++i) {
    if (!first && buffer.size() == 0) {
      // Keep-alive idle wait: one read of up to 4096 bytes.
      if (!src.ReadInto(buffer, 4096)) break;
    }
    bhttp::request_parser<warden::http::RequestBody> parser;
    parser.header_limit(header_limit);
    parser.body_limit(body_limit);
    error_code ec;
    ReadHeader(src, buffer, parser, ec);
    if (ec) break;  // 431 / 413 / 400 / quiet close
    FUZZ_CHECK(parser.is_header_done());
    const auto& header = parser.get();
    if (header.version() != 11 && header.version() != 10) break;  // 505
    if (header.find(bhttp::field::transfer_encoding) != header.end() &&
        header.find(bhttp::field::content_length) != header.end()) {
      break;  // 400: both framings
    }
    // What CheckBeforeBody and the router look at before the body is read.
    (void)header.target();
    (void)header.method_string();
    for (const auto& f : header) {
      (void)f.name_string();
      (void)f.value();
    }
    const bool expect_continue = beast::iequals(header[bhttp::field::expect], "100-continue");
    (void)expect_continue;
    const boost::optional<std::uint64_t> length = parser.content_length();
    const bool chunked = parser.chunked();
    if (length)
      FUZZ_CHECK(*length <= body_limit, "header_limit passed an over-limit Content-Length");

    Read(src, buffer, parser, ec);
    if (ec) break;  // 413 / 408 / 400
    FUZZ_CHECK(parser.is_done());
    bhttp::request<warden::http::RequestBody> req = parser.release();
    FUZZ_CHECK(req.body().size() <= body_limit, "body over body_limit");
    if (length) FUZZ_CHECK(req.body().size() == *length, "body size != Content-Length");
    if (!length && !chunked) FUZZ_CHECK(req.body().empty(), "unframed request with a body");
    if (!req.keep_alive()) break;
    first = false;
  }
  return 0;
}
