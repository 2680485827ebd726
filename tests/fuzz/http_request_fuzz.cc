// Fuzzes HTTP/1.1 request framing as warden's server reads it (src/http/server.cc, RunSession):
// a keep-alive loop of http/request_parser.hpp's RequestParser into one reused Request, with
// header_limit/body_limit, read_header, the version and smuggling checks, then read of the body,
// over one flat_buffer that carries pipelined bytes from one request to the next (the version
// and smuggling checks are http/framing.cc's CheckFraming). The same bytes go through the same
// loop with Beast's own request_parser<string_body>, whose framing checks and keep-alive
// reading are written out here independently: both must see the same requests (line, fields
// in arrival order, keep-alive, body) and stop at the same point.
//
// Input: the bytes the client sends. The last byte also picks the read chunk size and the
// limits (warden's defaults, or small ones so that the 431/413 paths are reachable).
// Invariants: no crash/UB/leak; a request's body matches its framing and the limit; the
// RequestParser reads exactly what Beast's message parser reads.
#include <array>
#include <boost/optional.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "beast_read.hpp"
#include "fuzz_util.hpp"
#include "http/framing.hpp"
#include "http/request_parser.hpp"

using namespace warden::fuzz;

namespace {

constexpr std::array<std::size_t, 8> kChunks = {1, 2, 3, 7, 64, 512, 4096, 65536};
constexpr int kMaxRequests = 64;

struct Limits {
  std::uint32_t header;
  std::uint64_t body;
};

// One request as the loop saw it, or how the loop stopped.
struct Seen {
  std::string line;  // method, target, version
  std::vector<std::string> fields;
  bool keep_alive = false;
  std::string body;
  std::string stop;  // why the loop ended after this point ("" = it went on)
  bool operator==(const Seen&) const = default;
};

std::string Line(std::string_view method, std::string_view target, unsigned version) {
  return std::string(method) + " " + std::string(target) + " " + std::to_string(version);
}

// Whether `list` (a comma-separated header list) holds `token`, spaces and tabs trimmed: the
// oracle's own reading, not warden's HeaderListHas.
bool OracleListHas(std::string_view list, std::string_view token) {
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view t = list.substr(start, end - start);
    const auto first = t.find_first_not_of(" \t");
    t = first == std::string_view::npos ? std::string_view() : t.substr(first);
    t = t.substr(0, t.find_last_not_of(" \t") + 1);
    if (beast::iequals(t, token)) return true;
    start = end + 1;
  }
  return false;
}

// Reads requests from the input the way server.cc does; `Parser` is made per request by
// `make`, `see` reads its header (false: the framing checks refuse it), `finish` the complete
// request.
template <typename Make, typename See, typename Finish>
std::vector<Seen> Loop(const std::uint8_t* data, std::size_t size, std::size_t chunk, Limits limits,
                       Make make, See see, Finish finish) {
  std::vector<Seen> seen;
  ChunkedSource src(AsView(data, size), chunk);
  beast::flat_buffer buffer;
  bool first = true;
  for (int i = 0; i < kMaxRequests; ++i) {
    if (!first && buffer.size() == 0) {
      // Keep-alive idle wait: one read of up to 4096 bytes.
      if (!src.ReadInto(buffer, 4096)) break;
    }
    auto parser = make();
    parser->header_limit(limits.header);
    parser->body_limit(limits.body);
    error_code ec;
    Seen s;
    ReadHeader(src, buffer, *parser, ec);
    if (ec) {  // 431 / 413 / 400 / quiet close
      s.stop = "header: " + ec.message();
      seen.push_back(std::move(s));
      break;
    }
    FUZZ_CHECK(parser->is_header_done());
    if (!see(*parser, s)) {  // 505 / 400
      s.stop = "framing";
      seen.push_back(std::move(s));
      break;
    }
    const boost::optional<std::uint64_t> length = parser->content_length();
    const bool chunked = parser->chunked();
    if (length)
      FUZZ_CHECK(*length <= limits.body, "header_limit passed an over-limit Content-Length");
    Read(src, buffer, *parser, ec);
    if (ec) {  // 413 / 408 / 400
      s.stop = "body: " + ec.message();
      seen.push_back(std::move(s));
      break;
    }
    FUZZ_CHECK(parser->is_done());
    finish(*parser, s);
    FUZZ_CHECK(s.body.size() <= limits.body, "body over body_limit");
    if (length) FUZZ_CHECK(s.body.size() == *length, "body size != Content-Length");
    if (!length && !chunked) FUZZ_CHECK(s.body.empty(), "unframed request with a body");
    const bool again = s.keep_alive;
    seen.push_back(std::move(s));
    if (!again) break;
    first = false;
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t ctl = data[size - 1];
  const bool small_limits = ctl & 0x08;
  // gateway.max_header_bytes / max_body_bytes: defaults 64 KiB / 32 MiB (config/config.hpp).
  const Limits limits{small_limits ? 256u : 64u << 10,
                      small_limits ? std::uint64_t{128} : std::uint64_t{32} << 20};
  const std::size_t chunk = kChunks[ctl & 7];

  warden::http::Request request;  // reused across requests, as the session's
  const std::vector<Seen> ours = Loop(
      data, size, chunk, limits,
      [&request] { return std::make_unique<warden::http::RequestParser>(request); },
      [&request](warden::http::RequestParser&, Seen& s) {
        // What framing, admission and the router look at before the body is read.
        s.line = Line(request.method_string(), request.target(), request.version());
        // In Beast's order: arrival order, except that a repeated name goes right after the
        // last field of that name (basic_fields keeps duplicates together).
        std::vector<std::string> names;  // lower-case, beside s.fields
        for (const warden::http::HeadFields::Field f : request.fields()) {
          FUZZ_CHECK(f.id == bhttp::string_to_field(f.name), "field id does not match its name");
          std::string name(f.name);
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          std::size_t at = names.size();
          for (std::size_t j = names.size(); j > 0; --j) {
            if (names[j - 1] == name) {
              at = j;
              break;
            }
          }
          names.insert(names.begin() + static_cast<std::ptrdiff_t>(at), name);
          s.fields.insert(s.fields.begin() + static_cast<std::ptrdiff_t>(at),
                          std::string(f.name) + ": " + std::string(f.value));
        }
        (void)beast::iequals(request[bhttp::field::expect], "100-continue");
        if (warden::http::CheckFraming(request).has_value()) return false;
        s.keep_alive = request.keep_alive();  // decided by the header section
        return true;
      },
      [&request](warden::http::RequestParser&, Seen& s) { s.body = request.body(); });
  const std::vector<Seen> beasts = Loop(
      data, size, chunk, limits,
      [] { return std::make_unique<bhttp::request_parser<bhttp::string_body>>(); },
      [](bhttp::request_parser<bhttp::string_body>& p, Seen& s) {
        const auto& h = p.get();
        s.line = Line(h.method_string(), h.target(), h.version());
        for (const auto& f : h) {
          s.fields.push_back(std::string(f.name_string()) + ": " + std::string(f.value()));
        }
        // The framing rules (RFC 9112 §6.1, §6.3): HTTP/1.0 or 1.1; not both framings; a
        // Transfer-Encoding only as one "chunked" field in HTTP/1.1.
        const auto framing_ok = [&h] {
          if (h.version() != 10 && h.version() != 11) return false;
          const std::size_t te = h.count(bhttp::field::transfer_encoding);
          if (te > 0 && h.count(bhttp::field::content_length) > 0) return false;
          if (te == 0) return true;
          if (te > 1 || h.version() != 11) return false;
          std::string_view v = h[bhttp::field::transfer_encoding];
          const auto first = v.find_first_not_of(" \t");
          v = first == std::string_view::npos ? std::string_view() : v.substr(first);
          v = v.substr(0, v.find_last_not_of(" \t") + 1);
          return beast::iequals(v, "chunked");
        };
        if (!framing_ok()) return false;
        // Keep-alive from every Connection field of the header section (not the message's
        // keep_alive(), which reads the first, nor the parser's, which also reads
        // Proxy-Connection). Read here, before the body: Beast adds a chunked body's trailer
        // fields to the message, and a Connection in a trailer is no connection option (RFC 9110
        // §6.5.1: a recipient may discard trailer fields; warden does).
        bool close = false;
        bool keep = false;
        auto [first_conn, last_conn] = h.equal_range(bhttp::field::connection);
        for (auto it = first_conn; it != last_conn; ++it) {
          close = close || OracleListHas(it->value(), "close");
          keep = keep || OracleListHas(it->value(), "keep-alive");
        }
        s.keep_alive = !close && (h.version() >= 11 || keep);
        return true;
      },
      [](bhttp::request_parser<bhttp::string_body>& p, Seen& s) { s.body = p.get().body(); });
  FUZZ_CHECK(ours.size() == beasts.size(), "RequestParser and Beast read different requests");
  for (std::size_t i = 0; i < ours.size(); ++i) {
    // Both lists are in Beast's order (see the RequestParser side).
    FUZZ_CHECK(ours[i] == beasts[i], "RequestParser and Beast disagree on a request");
  }
  return 0;
}
