// Inline I/O: the fast paths of the proxied request path that finish without a trip through the
// event loop when they can.
//
// - ParseBuffered feeds a parser the bytes a connection has already read (a request's body that
//   arrived with its header, the next pipelined request, a response read whole with its header)
//   exactly as Beast's read operations would before reading, so when the bytes are there no
//   asynchronous operation is started, posted and resumed.
// - ReadUntil is Beast's async_read_header / async_read as one loop of plain reads of up to
//   64 KiB and ParseBuffered, without Beast's composed operations (three layers of handlers and
//   executor work per read).
// - WriteNow writes a gather list to a plain TCP stream straight into the socket (one sendmsg,
//   MSG_DONTWAIT); WriteRest writes what did not fit asynchronously, under the given timeout,
//   so the hot path awaits nothing when the socket takes it all. A TLS stream always takes the
//   asynchronous path (its records need the engine).
//
// Both keep Beast's semantics and error codes, so a caller can fall back to (or continue with)
// Beast's operations on the same parser and buffer.
// Ownership: borrow the stream, parser and buffer for the call.
// Thread safety: like the stream — from its executor only.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>

#include "http/any_stream.hpp"
#include "http/net.hpp"

namespace warden::http {

// What a read waits for.
enum class ReadGoal {
  kSome,     // one step of progress (as Beast's read_some: one put that needs no more bytes)
  kHeader,   // the whole header
  kMessage,  // the whole message
};

// Feeds `parser` from `buffer` (consuming what it parsed) until `goal` is met or the buffered
// bytes run out. Returns true when the goal was met; false with `ec` clear when more bytes are
// needed (read with Beast's operation, which continues where this stopped), false with `ec` set
// on a parse error (the same code Beast's read would have reported).
template <bool kIsRequest>
bool ParseBuffered(net::http::basic_parser<kIsRequest>& parser, net::beast::flat_buffer& buffer,
                   ReadGoal goal, net::error_code& ec) {
  ec = {};
  const auto met = [&] {
    return goal == ReadGoal::kHeader    ? parser.is_header_done()
           : goal == ReadGoal::kMessage ? parser.is_done()
                                        : false;
  };
  if (met()) return true;
  while (buffer.size() > 0) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == net::http::error::need_more) {
      // An eager parser may have parsed elements before running out (a chunk's data, then half
      // of the next chunk's header): that is progress.
      ec = {};
      return goal == ReadGoal::kSome && used > 0;
    }
    if (ec) return false;
    if (goal == ReadGoal::kSome || met()) return true;
    if (used == 0) return false;
  }
  return false;
}

inline constexpr std::size_t kReadChunkBytes = 64 * 1024;
// A connection's read buffer above this is given back between requests (ShrinkIdleBuffer).
inline constexpr std::size_t kIdleBufferBytes = 16 * 1024;

// How many bytes ReadUntil asks the next read for, given `buffer`'s bytes and capacity:
// - a header: the free capacity, at least 4 KiB, so a connection that sends nothing holds little;
// - a whole message: up to kReadChunkBytes at a time, growing the buffer if need be (Beast reads
//   no more than the free capacity: a session buffer of 4 KiB took a 60 KB body in fifteen reads);
// - some of a relayed body (kSome): the free capacity, at least what fills the buffer to
//   kIdleBufferBytes, so a stream's buffer settles at that size and ShrinkIdleBuffer keeps it
//   between requests; asking for 64 KiB grew it past, so every streamed response freed it on
//   release and allocated it twice again on the next request.
inline std::size_t ReadSize(ReadGoal goal, std::size_t size, std::size_t capacity) {
  const std::size_t free = capacity - size;
  switch (goal) {
    case ReadGoal::kHeader:
      return std::max<std::size_t>(4096, free);
    case ReadGoal::kSome:
      return std::max(free,
                      size + 4096 < kIdleBufferBytes ? kIdleBufferBytes - size : std::size_t(4096));
    case ReadGoal::kMessage:
      break;
  }
  return kReadChunkBytes;
}

// Frees `buffer`'s storage when it is empty and grew past kIdleBufferBytes (a large body went
// through): an idle keep-alive connection holds a few KiB, not the largest read it ever did.
inline void ShrinkIdleBuffer(net::beast::flat_buffer& buffer) {
  if (buffer.size() == 0 && buffer.capacity() > kIdleBufferBytes) buffer.shrink_to_fit();
}

// The same for a connection's reused head buffer, emptied between requests: a provider's or a
// caller's large head is not held by the connection while it idles.
inline void ShrinkIdleBuffer(std::string& buffer) {
  buffer.clear();
  if (buffer.capacity() > kIdleBufferBytes) buffer.shrink_to_fit();
}

// Reads from `stream` into `buffer` until `goal` (kHeader or kMessage) is met, with the errors
// Beast's read would report: end_of_stream when the peer closed before any byte, partial_message
// when it closed mid-message, buffer_overflow when `buffer` is full. Bound it with a Deadline
// (deadline.hpp): a plain stream is read from its socket, so its expiry does not apply.
// A parser that offers DirectBodyRoom() (RequestParser) has the rest of a Content-Length body
// read straight into it once `buffer` is drained, not through `buffer` and a copy (with room for
// a few bytes more, which are left in `buffer` when a pipelined request sends them).
template <class Parser>
net::Task<net::error_code> ReadUntil(AnyStream& stream, net::beast::flat_buffer& buffer,
                                     Parser& parser, ReadGoal goal) {
  for (;;) {
    net::error_code ec;
    if (ParseBuffered(parser, buffer, goal, ec)) co_return net::error_code{};
    if (ec) co_return ec;
    net::asio::mutable_buffer into;
    if constexpr (requires { parser.DirectBodyRoom(); }) {
      if (goal == ReadGoal::kMessage && buffer.size() == 0) into = parser.DirectBodyRoom();
    }
    const bool direct = into.size() > 0;
    if (!direct) {
      const std::size_t room = buffer.max_size() - buffer.size();
      if (room == 0) co_return net::http::error::buffer_overflow;
      into = buffer.prepare(std::min(room, ReadSize(goal, buffer.size(), buffer.capacity())));
    }
    // A plain stream reads straight from its socket (AnyStream::async_read_some), without Beast's
    // timeout operation around it (a handler, executor work, a timer check).
    auto [rec, n] = co_await stream.async_read_some(into, net::kUseTuple);
    if (direct) {
      if (n > 0) {
        // Body bytes within the announced length: the parser takes them, in place. Bytes past
        // it (the next request, pipelined) go to the buffer first: completing the body pads it.
        const std::size_t body = std::min<std::uint64_t>(n, *parser.content_length_remaining());
        if (n > body) {
          buffer.commit(net::asio::buffer_copy(buffer.prepare(n - body), into + body));
        }
        const std::size_t used = parser.put(net::asio::const_buffer(into.data(), body), ec);
        if (ec && ec != net::http::error::need_more) co_return ec;
        if (used != body) co_return net::http::error::bad_content_length;  // cannot happen
        if (parser.is_done()) co_return net::error_code{};
      }
    } else {
      buffer.commit(n);
    }
    if (rec == net::asio::error::eof) {
      if (!parser.got_some()) co_return net::http::error::end_of_stream;
      parser.put_eof(ec);
      co_return ec;
    }
    if (rec) co_return rec;
  }
}

// The most buffers WriteNow and WriteRest take in one gather list.
inline constexpr std::size_t kMaxWritePieces = 8;

// The payload of a full TLS record (RFC 8446 §5.1, RFC 5246 §6.2.1), which is also the most that
// Beast's TLS stream copies together into one record from a gather list.
inline constexpr std::size_t kTlsRecordBytes = 16 * 1024;

// A gather list rearranged for a TLS stream: its first min(kTlsRecordBytes, total) bytes copied
// into `staging`, then the rest of `bytes` as views; `out` holds the list returned. A TLS stream
// encrypts each buffer it cannot join with the next (up to kTlsRecordBytes together) as records
// of its own, so a small head before a large body went out as a record, a sendmsg and a TCP
// segment of its own; rearranged, the first record is full (a boundary between pieces past the
// first 16 KiB still ends a record early: a model literal after a long prompt). `staging` (a
// connection's, kept for its capacity; its size only grows) and what `bytes` views must stay
// unchanged until the write completes. A list of kMaxWritePieces buffers has no room for it and is
// returned as it is.
std::span<const net::asio::const_buffer> JoinFirstRecord(
    std::span<const net::asio::const_buffer> bytes, std::string& staging,
    std::array<net::asio::const_buffer, kMaxWritePieces>& out);

// Writes all of `bytes` (at most kMaxWritePieces buffers) in two parts, for the hot path: WriteNow
// writes what a plain TCP socket takes at once (nothing for TLS) and returns true when it is done —
// all written, or `ec` set; only otherwise does the caller co_await WriteRest for the rest, which
// `timeout`, when set, bounds (the stream's own expiry otherwise, e.g. a Deadline the caller
// armed). The split spares a coroutine frame and a resumption when the socket takes everything,
// as it usually does.
//   std::size_t written; net::error_code ec;
//   if (!WriteNow(s, bytes, written, ec)) ec = co_await WriteRest(s, bytes, written, timeout);
bool WriteNow(AnyStream& stream, std::span<const net::asio::const_buffer> bytes,
              std::size_t& written, net::error_code& ec);
net::Task<net::error_code> WriteRest(AnyStream& stream,
                                     std::span<const net::asio::const_buffer> bytes,
                                     std::size_t written,
                                     std::optional<std::chrono::milliseconds> timeout);

}  // namespace warden::http
