#include "proxy/relay.hpp"

#include <array>
#include <charconv>
#include <optional>
#include <span>
#include <string_view>

#include "http/inline_io.hpp"
#include "http/wire_head.hpp"
#include "proxy/caller_watch.hpp"
#include "proxy/response_writer.hpp"
#include "proxy/upstream_request.hpp"

namespace warden::proxy {

namespace bhttp = net::http;

namespace {

constexpr std::size_t kRelayBufferBytes = 16 * 1024;

// How the caller's copy of the body is delimited.
enum class Framing {
  kAsIs,     // Content-Length (or no body, or an HTTP/1.0 caller's close-delimited body)
  kChunked,  // re-chunked: the provider sent chunks or closes to end the body
};

// The caller's side of one relay in progress (what its writes need), in StreamResponse's frame.
struct BodyRelay {
  http::AnyStream& client;
  const std::string& head;  // the caller's response head, sent with the first body bytes
  Framing framing;
  std::chrono::milliseconds idle_timeout;
  // A stream's head is not held back waiting for its first event: the caller learns the status
  // as soon as the provider sent it.
  bool head_before_wait = false;
  bool head_sent = false;
  std::size_t relayed = 0;
};

bool Bodyless(unsigned status) {
  return status == 204 || status == 304 || (status >= 100 && status < 200);
}

// One write to the caller, in one gather write: the head if it has not gone out yet, then the
// data framed for the caller, then the last chunk when it is the last and chunked. The buffers
// point into it: not to be moved once assembled.
struct Piece {
  std::array<char, 24> size_line;
  std::array<net::asio::const_buffer, 5> buffers;
  std::size_t count = 0;
  std::size_t written = 0;
  std::span<const net::asio::const_buffer> bytes() const { return {buffers.data(), count}; }
};

// Assembles `p` and writes what the socket takes at once. True when the write is over (all of it
// written, nothing to write, or `ec` set); else co_await WritePieceRest for the rest. The usual
// case, a socket that takes it all, costs no coroutine frame.
bool WritePieceNow(BodyRelay& r, std::string_view data, bool last, Piece& p, net::error_code& ec) {
  if (!r.head_sent) p.buffers[p.count++] = net::asio::buffer(r.head);
  const bool chunked = r.framing == Framing::kChunked;
  if (!data.empty() && chunked) {
    p.buffers[p.count++] = net::asio::buffer(http::ChunkSizeLine(data.size(), p.size_line));
  }
  if (!data.empty()) p.buffers[p.count++] = net::asio::buffer(data);
  if (!data.empty() && chunked) p.buffers[p.count++] = net::asio::buffer(http::kCrlf);
  if (last && chunked) p.buffers[p.count++] = net::asio::buffer(http::kLastChunk);
  ec = {};
  if (p.count == 0) return true;
  if (!http::WriteNow(r.client, p.bytes(), p.written, ec)) return false;
  r.head_sent = r.head_sent || !ec;
  return true;
}

net::Task<net::error_code> WritePieceRest(BodyRelay& r, Piece& p) {
  const net::error_code ec =
      co_await http::WriteRest(r.client, p.bytes(), p.written, r.idle_timeout);
  r.head_sent = r.head_sent || !ec;
  co_return ec;
}

// Both steps, where a frame does not matter.
net::Task<net::error_code> WritePiece(BodyRelay& r, std::string_view data, bool last) {
  Piece p;
  net::error_code ec;
  if (!WritePieceNow(r, data, last, p, ec)) ec = co_await WritePieceRest(r, p);
  co_return ec;
}

// Appends the provider's status line and the headers it may hand to the caller, but the
// standard ones (warden writes its own) and the framing (each side is framed by its writer).
void AppendForwardedHead(const http::ResponseParser& parser, std::string& head) {
  http::AppendStatusLine(parser.status(), head);
  std::string joined;  // only when the provider sent more than one Connection field
  const std::string_view connection_tokens =
      parser.fields().ListValue(bhttp::field::connection, joined);
  for (const http::HeadFields::Field f : parser.fields()) {
    if (ForwardResponseHeader(f.id, f.name, connection_tokens) && !StandardHeader(f.name)) {
      http::AppendField(f.name, f.value, head);
    }
  }
}

void AppendContentLength(std::uint64_t length, std::string& head) {
  std::array<char, 24> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), length);
  http::AppendField("Content-Length", std::string_view(digits.data(), end - digits.data()), head);
}

// The caller's response head, serialized straight into c.head: the provider's status (codes Beast
// does not know, like 529, included) and forwarded headers, re-framed. Returns the framing.
Framing PrepareHead(ClientContext& c, const http::ResponseParser& parser,
                    const RelayOptions& options) {
  const unsigned status = parser.status();
  const bool close_delimited =
      CloseDelimited(options.caller_version, status, parser.content_length().has_value());
  std::string& head = c.head;
  head.clear();
  AppendForwardedHead(parser, head);
  Framing framing = Framing::kAsIs;
  if (parser.content_length()) {
    AppendContentLength(*parser.content_length(), head);
  } else if (!Bodyless(status) && !close_delimited) {
    http::AppendField("Transfer-Encoding", "chunked", head);
    framing = Framing::kChunked;
  }
  if (!options.keep_alive || close_delimited) http::AppendField("Connection", "close", head);
  AppendStandardHeaders(c, head);
  head.append(http::kCrlf);
  return framing;
}

}  // namespace

bool CloseDelimited(unsigned caller_version, unsigned status, bool has_content_length) {
  return caller_version < 11 && !has_content_length && !Bodyless(status);
}

net::Task<RelayOutcome> StreamResponse(ClientContext& c, http::UpstreamConnection& up,
                                       http::ResponseParser& parser, RelayOptions options) {
  parser.body_limit(boost::none);
  // Parse all buffered bytes in one step (chunk header, data, the next chunk...), not one
  // element per step: the head then goes out with the first event that came with it, and events
  // read together leave in one write.
  parser.eager(true);
  const Framing framing = PrepareHead(c, parser, options);
  // The head goes out with the first body bytes that came with it (one write for a small
  // response); a bodyless response is written at once, a stream's head before waiting for its
  // first event.
  if (!c.relay_buffer) c.relay_buffer = std::make_unique_for_overwrite<char[]>(kRelayBufferBytes);
  BodyRelay relay{c.stream, c.head, framing, options.idle_timeout,
                  !parser.content_length().has_value()};
  RelayOutcome out;
  if (Bodyless(parser.status())) {
    if (co_await WritePiece(relay, {}, true)) out.result = RelayResult::kClientWriteFailed;
  } else {
    // A stream (SSE or chunked, no Content-Length): also watch the caller, and cancel upstream
    // if it goes away.
    std::optional<CallerWatch> watch;
    if (!parser.content_length().has_value()) {
      c.gw.metrics.StreamStarted();
      watch.emplace(c.readiness, c.stream, up.stream, options.caller_version,
                    CallerWatch::Phase::kStreaming);
    }
    // The body through the connection's relay buffer, piece by piece as it comes (in this
    // frame, not a coroutine of its own: one frame fewer per request).
    const std::span<char> buf(c.relay_buffer.get(), kRelayBufferBytes);
    http::Deadline& deadline = c.upstream_deadline;  // bounds each read by idle_timeout
    for (;;) {
      std::size_t n = 0;
      if (!parser.is_done()) {
        parser.BodyInto(buf);
        // A small body usually came with the header: then it is parsed without a read.
        net::error_code ec;
        if (!http::ParseBuffered(parser, up.buffer, http::ReadGoal::kSome, ec) && !ec) {
          if (relay.head_before_wait && !relay.head_sent && parser.body_written() == 0 &&
              co_await WritePiece(relay, {}, false)) {
            out.result = RelayResult::kClientGone;
            break;
          }
          deadline.Arm(relay.idle_timeout, up.stream);
          ec = co_await http::ReadUntil(up.stream, up.buffer, parser, http::ReadGoal::kSome);
          deadline.Disarm();
        }
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) {
          out.result = RelayResult::kUpstreamFailed;
          break;
        }
        n = parser.body_written();
      }
      const bool last = parser.is_done();
      relay.relayed += n;
      Piece piece;
      net::error_code write_ec;
      if (!WritePieceNow(relay, std::string_view(buf.data(), n), last, piece, write_ec)) {
        write_ec = co_await WritePieceRest(relay, piece);
      }
      if (write_ec) {
        out.result = RelayResult::kClientGone;
        break;
      }
      if (last) {
        out.result = RelayResult::kDone;
        break;
      }
    }
    if (watch) {
      watch->Stop();
      c.gw.metrics.StreamEnded();
      if (watch->gone()) out.result = RelayResult::kClientGone;
    }
  }
  out.relayed = relay.relayed;
  out.upstream_reusable =
      out.result == RelayResult::kDone && parser.is_done() && parser.keep_alive();
  co_return out;
}

net::Task<bool> ForwardBuffered(ClientContext& c, const http::ResponseParser& parser,
                                std::string_view body, bool keep_alive) {
  std::string& head = c.head;
  head.clear();
  AppendForwardedHead(parser, head);
  AppendContentLength(body.size(), head);
  if (!keep_alive) http::AppendField("Connection", "close", head);
  AppendStandardHeaders(c, head);
  head.append(http::kCrlf);
  const std::array<net::asio::const_buffer, 2> bytes{net::asio::buffer(head),
                                                     net::asio::buffer(body)};
  std::size_t written = 0;
  net::error_code ec;
  if (!http::WriteNow(c.stream, bytes, written, ec))
    ec = co_await http::WriteRest(c.stream, bytes, written, std::chrono::seconds(30));
  co_return !ec;
}

}  // namespace warden::proxy
