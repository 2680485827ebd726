#include "http/response_parser.hpp"

#include <algorithm>
#include <cstring>

namespace warden::http {

namespace bhttp = net::http;

ResponseParser::ResponseParser(HeadFields& fields) : fields_(fields) { fields_.Clear(); }

void ResponseParser::BodyInto(std::span<char> buffer) {
  buffer_ = buffer;
  written_ = 0;
  string_ = nullptr;
}

void ResponseParser::BodyInto(std::string& out) {
  string_ = &out;
  buffer_ = {};
  written_ = 0;
}

void ResponseParser::on_response_impl(int code, net::beast::string_view, int version,
                                      net::error_code&) {
  status_ = static_cast<unsigned>(code);
  version_ = static_cast<unsigned>(version);
}

void ResponseParser::on_field_impl(bhttp::field id, net::beast::string_view name,
                                   net::beast::string_view value, net::error_code&) {
  fields_.Add(id, name, value);
}

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                       net::error_code&) {
  // The parser refused a length over body_limit() before this point.
  if (string_ != nullptr && content_length) string_->reserve(string_->size() + *content_length);
}

std::size_t ResponseParser::on_body_impl(net::beast::string_view body, net::error_code& ec) {
  if (string_ != nullptr) {
    string_->append(body);
    return body.size();
  }
  const std::size_t n = std::min(body.size(), buffer_.size() - written_);
  if (n > 0) std::memcpy(buffer_.data() + written_, body.data(), n);
  written_ += n;
  if (n < body.size()) ec = bhttp::error::need_buffer;
  return n;
}

}  // namespace warden::http
