// The include point for Boost.Beast's WebSocket (kept out of net.hpp so that only the files of
// the WebSocket relay pay for it) and the stream type the relay uses on both sides: a WebSocket
// over a ReadAheadStream, i.e. over a connection that already carried an HTTP exchange.
// Ownership and thread safety: see read_ahead_stream.hpp and Beast's websocket::stream (one read,
// one write and one control operation — ping or close — at a time, from the stream's executor).
#pragma once

#include <boost/beast/websocket.hpp>

#include "http/net.hpp"
#include "http/read_ahead_stream.hpp"

namespace warden::net {
namespace websocket = boost::beast::websocket;
}  // namespace warden::net

namespace warden::http {

using WebSocket = net::websocket::stream<ReadAheadStream>;

}  // namespace warden::http
