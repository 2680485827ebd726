#include "http/request.hpp"

#include <algorithm>
#include <cstring>

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
  padded_ = false;
  // One budget for the whole request: a long target, many fields and a body each under the
  // limit must not add up to several times it on an idle connection.
  if (held_bytes() > HeadFields::kKeptBytes) {
    std::string().swap(line_);  // (assigning an empty string would keep the buffer)
    body_.shrink_to_fit();      // empty, so this frees it
    fields_.Release();
  }
}

void Request::SetBody(std::string_view body) {
  body_.clear();
  padded_ = false;
  AppendBody(body);
}

void Request::AppendBody(std::string_view bytes) {
  if (bytes.empty()) return;
  padded_ = false;
  const char* end = static_cast<const char*>(body_.data().data()) + body_.size();
  if (bytes.data() == end && bytes.size() <= body_.capacity() - body_.size()) {
    // Read into BodyRoom(): already in place. (The body is never consumed from the front, so
    // prepare within the capacity neither moves nor copies it.)
    body_.prepare(bytes.size());
    body_.commit(bytes.size());
    return;
  }
  const auto room = body_.prepare(bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  body_.commit(bytes.size());
}

net::asio::mutable_buffer Request::BodyRoom(std::size_t max) {
  padded_ = false;  // a read into the room overwrites the padding
  const std::size_t free = body_.capacity() - body_.size();
  if (free == 0 || max == 0) return {};
  return body_.prepare(std::min(free, max));
}

void Request::PadBody() {
  // Not committed: the padding is memory the buffer owns past the body, not part of it.
  const auto room = body_.prepare(kBodyPadding);
  std::memset(room.data(), 0, kBodyPadding);
  padded_ = true;
}

}  // namespace warden::http
