#include "base/result.hpp"

#include <cstring>
#include <stdexcept>

namespace warden {

std::string Error::ToString() const {
  std::string out = code;
  if (!message.empty()) out += ": " + message;
  if (!context.empty()) out += " (" + context + ")";
  return out;
}

Error Error::Posix(std::string op, const std::string& path, int err) {
  return Error{"IO_ERROR", op + " " + path + ": " + std::strerror(err), path};
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(e.ToString());
}

}  // namespace warden
