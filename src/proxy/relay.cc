#include "proxy/relay.hpp"

#include <array>

#include "proxy/caller_watch.hpp"
#include "proxy/response_writer.hpp"
#include "proxy/upstream_request.hpp"

namespace warden::proxy {

namespace bhttp = net::http;

namespace {

constexpr std::size_t kRelayBufferBytes = 16 * 1024;

using BodyParser = bhttp::response_parser<bhttp::buffer_body>;
using BodyResponse = bhttp::response<bhttp::buffer_body>;
using BodySerializer = bhttp::response_serializer<bhttp::buffer_body>;

// One relay in progress. All references point into StreamResponse's frame, which awaits the
// relay to completion.
struct BodyRelay {
  http::AnyStream& client;
  http::UpstreamConnection& up;
  BodyParser& parser;
  BodySerializer& serializer;
  BodyResponse& res;
  std::chrono::milliseconds idle_timeout;
  unsigned caller_version = 11;
  std::size_t relayed = 0;
};

bool Bodyless(unsigned status) {
  return status == 204 || status == 304 || (status >= 100 && status < 200);
}

void CopyForwardedHeaders(const bhttp::fields& from, bhttp::fields& to) {
  const std::string_view connection_tokens = from[bhttp::field::connection];
  for (const auto& f : from) {
    if (ForwardResponseHeader(f.name_string(), connection_tokens)) {
      to.insert(f.name_string(), f.value());
    }
  }
}

// Relays the body from the upstream to the caller through one fixed buffer.
net::Task<RelayResult> RelayBody(BodyRelay& r) {
  std::array<char, kRelayBufferBytes> buf;
  do {
    if (!r.parser.is_done()) {
      r.parser.get().body().data = buf.data();
      r.parser.get().body().size = buf.size();
      r.up.stream.Tcp().expires_after(r.idle_timeout);
      auto [ec, n] =
          co_await bhttp::async_read_some(r.up.stream, r.up.buffer, r.parser, net::kUseTuple);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) co_return RelayResult::kUpstreamFailed;
      r.res.body().size = buf.size() - r.parser.get().body().size;
      r.res.body().more = !r.parser.is_done();
      // A zero-length buffer would be serialised as a zero-size chunk, i.e. the end of the
      // stream; a null buffer makes the serializer wait for the next one instead.
      r.res.body().data = r.res.body().size > 0 ? buf.data() : nullptr;
    } else {
      r.res.body().data = nullptr;
      r.res.body().size = 0;
      r.res.body().more = false;
    }
    r.relayed += r.res.body().size;
    r.client.Tcp().expires_after(r.idle_timeout);
    auto [wec, wn] = co_await bhttp::async_write(r.client, r.serializer, net::kUseTuple);
    if (wec == bhttp::error::need_buffer) wec = {};
    if (wec) co_return RelayResult::kClientGone;
  } while (!r.serializer.is_done());
  co_return RelayResult::kDone;
}

// A stream (SSE or chunked): also watch the caller, and cancel upstream if it goes away.
net::Task<RelayResult> RelayWatched(ClientContext& c, BodyRelay& r) {
  c.gw.metrics.StreamStarted();
  CallerWatch watch(c.stream, r.up.stream, r.caller_version, CallerWatch::Phase::kStreaming);
  RelayResult result = co_await RelayBody(r);
  watch.Stop();
  c.gw.metrics.StreamEnded();
  co_return watch.gone() ? RelayResult::kClientGone : result;
}

// The caller's response header: the provider's status (codes Beast does not know, like 529,
// included) and forwarded headers, re-framed.
void PrepareHeader(const ClientContext& c, const BodyParser& parser, const RelayOptions& options,
                   BodyResponse& res) {
  const unsigned status = parser.get().result_int();
  const bool close_delimited =
      CloseDelimited(options.caller_version, status, parser.content_length().has_value());
  res.version(11);
  res.result(status);
  CopyForwardedHeaders(parser.get(), res);
  if (parser.content_length())
    res.content_length(*parser.content_length());
  else if (!Bodyless(status) && !close_delimited)
    res.chunked(true);
  res.keep_alive(options.keep_alive && !close_delimited);
  AddStandardHeaders(c, res.base());
  res.body().data = nullptr;
  res.body().more = !Bodyless(status);
}

}  // namespace

bool CloseDelimited(unsigned caller_version, unsigned status, bool has_content_length) {
  return caller_version < 11 && !has_content_length && !Bodyless(status);
}

net::Task<RelayOutcome> StreamResponse(ClientContext& c, http::UpstreamConnection& up,
                                       bhttp::response_parser<bhttp::empty_body>& header,
                                       RelayOptions options) {
  const std::chrono::milliseconds idle_timeout = options.idle_timeout;
  BodyParser parser{std::move(header)};
  parser.body_limit(boost::none);
  BodyResponse res;
  PrepareHeader(c, parser, options, res);
  // The header goes out with the first body bytes (one write for a small response); a
  // bodyless response is written at once.
  BodySerializer serializer{res};
  BodyRelay relay{c.stream, up, parser, serializer, res, idle_timeout, options.caller_version};
  RelayOutcome out;
  if (Bodyless(parser.get().result_int())) {
    c.stream.Tcp().expires_after(idle_timeout);
    auto [ec, n] = co_await bhttp::async_write(c.stream, serializer, net::kUseTuple);
    if (ec && ec != bhttp::error::need_buffer) out.result = RelayResult::kClientWriteFailed;
  } else if (parser.content_length().has_value()) {
    out.result = co_await RelayBody(relay);
  } else {
    out.result = co_await RelayWatched(c, relay);
  }
  out.relayed = relay.relayed;
  out.upstream_reusable =
      out.result == RelayResult::kDone && parser.is_done() && parser.keep_alive();
  co_return out;
}

net::Task<bool> ForwardBuffered(ClientContext& c,
                                bhttp::response<bhttp::string_body>& upstream_response,
                                bool keep_alive) {
  bhttp::response<bhttp::string_body> res;
  res.version(11);
  res.result(upstream_response.result_int());  // result() maps unknown codes (529) to 0
  CopyForwardedHeaders(upstream_response, res);
  res.body() = std::move(upstream_response.body());
  res.keep_alive(keep_alive);
  AddStandardHeaders(c, res.base());
  res.prepare_payload();
  c.stream.Tcp().expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await bhttp::async_write(c.stream, res, net::kUseTuple);
  co_return !ec;
}

}  // namespace warden::proxy
