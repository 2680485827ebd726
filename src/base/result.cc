#include "base/result.hpp"

#include <cstring>
#include <stdexcept>

namespace warden {

std::string Error::ToString() const {
  std::string out(CodeName());
  if (!message.empty()) out += ": " + message;
  if (!context.empty()) out += " (" + context + ")";
  return out;
}

Error Error::Wrap(std::string_view what) const {
  return Error{code, std::string(what) + ": " + message, context};
}

Error Error::WithContext(std::string new_context) const {
  return Error{code, message, std::move(new_context)};
}

Error Error::Posix(std::string_view op, const std::string& path, int err) {
  return Error{ErrorCode::kIoError, std::string(op) + " " + path + ": " + std::strerror(err), path};
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(e.ToString());
}

}  // namespace warden
