#include "http/request_parser.hpp"

namespace warden::http {

namespace bhttp = net::http;

RequestParser::RequestParser(Request& request) : request_(request) { request_.Clear(); }

void RequestParser::on_request_impl(bhttp::verb verb, net::beast::string_view method,
                                    net::beast::string_view target, int version, net::error_code&) {
  request_.SetLine(verb, method, target, static_cast<unsigned>(version));
}

void RequestParser::on_field_impl(bhttp::field id, net::beast::string_view name,
                                  net::beast::string_view value, net::error_code&) {
  // A chunked body's trailer fields arrive after admission and the framing checks: they are
  // not added to the request's fields (RFC 9110 §6.5.1 lets a recipient discard them).
  if (is_header_done()) return;
  request_.fields().Add(id, name, value);
}

void RequestParser::on_header_impl(net::error_code&) {
  // Not basic_parser::keep_alive(): it also reads Proxy-Connection, which is not part of
  // HTTP/1.1 and would keep an HTTP/1.0 connection open that the caller expects closed.
  const HeadFields& fields = request_.fields();
  const bool close = fields.ListHas(bhttp::field::connection, "close");
  const bool keep = fields.ListHas(bhttp::field::connection, "keep-alive");
  request_.keep_alive(!close && (request_.version() >= 11 || keep));
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      net::error_code&) {
  // The parser refused a length over body_limit() before this point.
  if (content_length) request_.ReserveBody(static_cast<std::size_t>(*content_length));
  body_started_ = true;
}

std::size_t RequestParser::on_body_impl(net::beast::string_view body, net::error_code&) {
  request_.AppendBody(body);  // body_limit() bounds the total, chunked bodies included
  return body.size();
}

net::asio::mutable_buffer RequestParser::DirectBodyRoom() {
  if (!body_started_ && is_header_done() && !is_done() && !chunked() && content_length()) {
    // The header is parsed and no body byte has come (a client that writes its body after its
    // header, as Python's http.client does): Beast enters the body, reserving it, on the next
    // put, so give it one with no bytes. Otherwise the first read of the body went through the
    // connection's buffer, 64 KiB at a time, which ShrinkIdleBuffer then freed at the next wait.
    net::error_code ec;
    put(net::asio::const_buffer(), ec);
    if (ec) return {};
  }
  if (!body_started_ || is_done() || chunked()) return {};
  const auto left = content_length_remaining();
  if (!left || *left == 0) return {};
  return request_.BodyRoom(static_cast<std::size_t>(*left) + Request::kBodyPadding);
}

}  // namespace warden::http
