// RequestBody: the body type of a caller's request — a std::string, like Beast's string_body,
// whose reader appends the bytes instead of growing the string first (string_body's resize
// zero-fills every byte before copying it: on a 60 KB prompt the fill cost as much as the copy).
// Limits are the parser's (body_limit); the announced length is reserved once, as string_body
// does.
// Ownership and thread safety: as string_body.
#pragma once

#include <cstdint>
#include <string>

#include <boost/optional.hpp>

#include "http/net.hpp"

namespace warden::http {

struct RequestBody : net::http::string_body {
  class reader {
   public:
    template <bool kIsRequest, typename Fields>
    explicit reader(net::http::header<kIsRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, net::error_code& ec) {
      ec = {};
      if (!length) return;
      if (*length > body_.max_size()) {
        ec = net::http::error::buffer_overflow;
        return;
      }
      body_.reserve(static_cast<std::size_t>(*length));
    }

    template <typename ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, net::error_code& ec) {
      const std::size_t extra = net::beast::buffer_bytes(buffers);
      if (extra > body_.max_size() - body_.size()) {
        ec = net::http::error::buffer_overflow;
        return 0;
      }
      for (auto it = net::asio::buffer_sequence_begin(buffers);
           it != net::asio::buffer_sequence_end(buffers); ++it) {
        const net::asio::const_buffer b = *it;
        body_.append(static_cast<const char*>(b.data()), b.size());
      }
      ec = {};
      return extra;
    }

    void finish(net::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace warden::http
