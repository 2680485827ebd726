// Result<T>: a value or an Error, for every fallible operation in warden.
//
// Error carries a stable machine-readable `code` (e.g. "SECRET_REF_NOT_FOUND", "CONFIG_INVALID"),
// a human `message` that names the fix, and optional `context` (a config key path, a file path).
// Messages and context must never contain a secret value: build them from names and refs only.
// Thread safety: plain values; safe to copy between threads.
#pragma once

#include <string>
#include <utility>

#include <boost/system/result.hpp>

namespace warden {

struct Error {
  Error() = default;
  // Two arguments at least, so that Result<std::string>{some_string} is never ambiguous.
  Error(std::string code, std::string message, std::string context = {})
      : code(std::move(code)), message(std::move(message)), context(std::move(context)) {}

  std::string code;
  std::string message;
  std::string context;

  // "CODE: message (context)" — for logs and CLI output.
  std::string ToString() const;

  static Error Make(std::string code, std::string message, std::string context = {}) {
    return Error{std::move(code), std::move(message), std::move(context)};
  }
  static Error InvalidConfig(std::string path, std::string why) {
    return Error{"CONFIG_INVALID", std::move(why), std::move(path)};
  }
  // Wraps errno with the operation and the path, like leveldb's PosixError.
  static Error Posix(std::string op, const std::string& path, int err);
};

// Required by boost::system::result<T, Error>::value() when it has to throw.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <typename T>
using Result = boost::system::result<T, Error>;

// Result<void> success value: `return Ok();`
inline Result<void> Ok() { return {}; }

}  // namespace warden
