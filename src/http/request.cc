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
  // One budget for the whole request: a long target, many fields and a body each under the
  // limit must not add up to several times it on an idle connection.
  if (held_bytes() > HeadFields::kKeptBytes) {
    std::string().swap(line_);  // (assigning an empty string would keep the buffer)
    std::string().swap(body_);
    fields_.Release();
  }
}

}  // namespace warden::http
