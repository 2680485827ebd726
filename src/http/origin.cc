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
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Error::InvalidConfig(std::string(url), "base_url is not an absolute URL");
  ParsedBaseUrl out;
  std::string scheme(parsed->scheme());
  if (scheme == "https") {
    out.origin.tls = true;
  } else if (scheme != "http") {
    return Error::InvalidConfig(std::string(url), "base_url scheme must be http or https");
  }
  if (parsed->has_userinfo())
    return Error::InvalidConfig(std::string(url), "base_url must not contain credentials");
  out.origin.host = std::string(parsed->host_address());
  if (out.origin.host.empty()) return Error::InvalidConfig(std::string(url), "base_url has no host");
  if (parsed->has_port() && !parsed->port().empty()) {
    out.origin.port = parsed->port_number();
    if (out.origin.port == 0) return Error::InvalidConfig(std::string(url), "base_url port is 0");
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
