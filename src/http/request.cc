#include "http/request.hpp"

namespace warden::http {

namespace bhttp = net::http;

void Request::SetLine(bhttp::verb verb, std::string_view method, std::string_view target,
                      unsigned version) {
  line_.assign(method).append(target);
  // The header_limit bounds both, far below 4 GiB.
  method_size_ = static_cast<std::uint32_t>(method.size());
  method_ = verb;
  version_ = version;
}

void Request::Clear() {
  line_.clear();
  method_size_ = 0;
  method_ = bhttp::verb::unknown;
  version_ = 11;
  keep_alive_ = true;
  fields_.Clear();
  body_.clear();
  if (line_.capacity() > HeadFields::kKeptBytes) line_.shrink_to_fit();
  if (body_.capacity() > HeadFields::kKeptBytes) body_.shrink_to_fit();
}

}  // namespace warden::http
