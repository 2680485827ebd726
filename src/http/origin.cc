#include "http/origin.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url.hpp>

namespace warden::http {

bool Origin::HostIsIpLiteral() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

Result<ParsedBaseUrl> ParseBaseUrl(std::string_view url) {
  // Errors name "base_url", never the URL itself: it may carry credentials.
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Error::InvalidConfig("base_url", "base_url is not an absolute URL");
  ParsedBaseUrl out;
  std::string scheme(parsed->scheme());
  if (scheme == "https") {
    out.origin.tls = true;
  } else if (scheme != "http") {
    return Error::InvalidConfig("base_url", "base_url scheme must be http or https");
  }
  if (parsed->has_userinfo())
    return Error::InvalidConfig("base_url", "base_url must not contain credentials");
  out.origin.host = std::string(parsed->host_address());
  if (out.origin.host.empty()) return Error::InvalidConfig("base_url", "base_url has no host");
  if (parsed->has_port() && !parsed->port().empty()) {
    // port_number() truncates to 16 bits; check the digits themselves.
    std::string_view digits = parsed->port();
    unsigned long value = 0;
    for (char ch : digits) {
      if (ch < '0' || ch > '9' || value > 65535)
        return Error::InvalidConfig("base_url", "base_url port is not 1-65535");
      value = value * 10 + unsigned(ch - '0');
    }
    if (value == 0 || value > 65535)
      return Error::InvalidConfig("base_url", "base_url port is not 1-65535");
    out.origin.port = static_cast<std::uint16_t>(value);
  } else {
    out.origin.port = out.origin.tls ? 443 : 80;
  }
  bool v6 = parsed->host_type() == boost::urls::host_type::ipv6;
  std::string bracketed = v6 ? "[" + out.origin.host + "]" : out.origin.host;
  bool default_port = out.origin.port == (out.origin.tls ? 443 : 80);
  out.origin.host_header =
      default_port ? bracketed : bracketed + ":" + std::to_string(out.origin.port);
  out.origin.key = scheme + "://" + bracketed + ":" + std::to_string(out.origin.port);
  out.path = std::string(parsed->encoded_path());
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  return out;
}

}  // namespace warden::http
