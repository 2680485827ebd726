#include "http/framing.hpp"

#include <string>

namespace warden::http {

namespace asio = net::asio;
namespace beast = net::beast;
namespace bhttp = net::http;

namespace {

std::string BodyTooLarge(const config::GatewayConfig& limits) {
  return "request body exceeds gateway.max_body_bytes (" + std::to_string(limits.max_body_bytes) +
         " bytes)";
}

}  // namespace

bool QuietClose(const net::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout || ec == asio::error::bad_descriptor;
}

std::optional<FramingError> HeaderReadError(const net::error_code& ec,
                                            const config::GatewayConfig& limits, bool timed_out,
                                            bool got_some, bool& linger) {
  linger = true;
  if (ec == bhttp::error::header_limit) {
    return FramingError{
        431, "header_too_large",
        "request header exceeds " + std::to_string(limits.max_header_bytes) + " bytes"};
  }
  // Content-Length above the cap: refused before any of the body is read.
  if (ec == bhttp::error::body_limit)
    return FramingError{413, "request_too_large", BodyTooLarge(limits)};
  linger = false;
  if (timed_out && got_some) {
    return FramingError{408, "request_timeout",
                        "request header not received within " +
                            std::to_string(limits.header_timeout.count()) + "ms"};
  }
  if (QuietClose(ec) || timed_out) return std::nullopt;
  linger = true;
  return FramingError{400, "bad_request", "malformed HTTP request: " + ec.message()};
}

std::optional<FramingError> BodyReadError(const net::error_code& ec,
                                          const config::GatewayConfig& limits, bool timed_out,
                                          bool& linger) {
  linger = true;
  if (ec == bhttp::error::body_limit)
    return FramingError{413, "request_too_large", BodyTooLarge(limits)};
  linger = false;
  if (timed_out) {
    return FramingError{
        408, "request_timeout",
        "request body not received within " + std::to_string(limits.body_timeout.count()) + "ms"};
  }
  if (QuietClose(ec)) return std::nullopt;
  linger = true;
  return FramingError{400, "bad_request", "malformed request body: " + ec.message()};
}

// The one coding warden reads: exactly "chunked", once,
// in HTTP/1.1. Anything else ("gzip", "chunked, gzip", "identity", two TE lines, TE in
// HTTP/1.0) would leave the body's end ambiguous between warden and whatever is in front of it:
// RFC 9112 §6.1 and §6.3 say answer 400 and close.
bool TransferEncodingAcceptable(const Request& header) {
  const std::size_t count = header.fields().Count(bhttp::field::transfer_encoding);
  if (count == 0) return true;
  if (header.version() != 11 || count != 1) return false;
  std::string_view value = header[bhttp::field::transfer_encoding];
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return beast::iequals(value, "chunked");
}

bool AnnouncesBody(const Request& header) {
  if (header.fields().Has(bhttp::field::transfer_encoding)) return true;
  // The parser accepted the value, so it is digits: any but 0 announces a body (none: empty).
  return header[bhttp::field::content_length].find_first_not_of('0') != std::string_view::npos;
}

std::optional<FramingError> CheckFraming(const Request& header) {
  if (header.version() != 11 && header.version() != 10) {
    return FramingError{505, "http_version_not_supported", "use HTTP/1.1"};
  }
  if (header.fields().Has(bhttp::field::transfer_encoding) &&
      header.fields().Has(bhttp::field::content_length)) {
    return FramingError{400, "bad_request",
                        "both Content-Length and Transfer-Encoding are present"};
  }
  if (!TransferEncodingAcceptable(header)) {
    return FramingError{400, "bad_request",
                        "unsupported Transfer-Encoding: only \"chunked\" (HTTP/1.1) is accepted"};
  }
  return std::nullopt;
}

}  // namespace warden::http
