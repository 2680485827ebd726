// Result<T>: a value or an Error, for every fallible operation in warden.
//
// Error carries a stable machine-readable `code` (an ErrorCode, printed as its wire name such
// as "SECRET_REF_NOT_FOUND"), a human `message` that names the fix, and optional `context` (a
// config key path, a file path, a SecretRef). Code decides on `code`, never on the text.
// Messages and context must never contain a secret value: build them from names and refs only.
// Ownership: an Error owns its strings; a Result owns its value or its Error.
// Thread safety: plain values; safe to copy between threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <boost/system/result.hpp>

#include "base/error_code.hpp"

namespace warden {

struct Error {
  // ErrorCode::kNone and nothing else; boost::system::result needs it (see ErrorCode::kNone).
  Error() = default;
  Error(ErrorCode code, std::string message, std::string context = {})
      : code(code), message(std::move(message)), context(std::move(context)) {}

  ErrorCode code = ErrorCode::kNone;
  std::string message;
  std::string context;

  // The wire name of `code`: "CONFIG_INVALID".
  std::string_view CodeName() const { return WireName(code); }
  // "CODE: message (context)" — for logs and CLI output.
  std::string ToString() const;

  // The same error with `what` in front of the message: "what: message". For adding where an
  // error happened as it travels up (a key path, a provider) instead of editing the message.
  [[nodiscard]] Error Wrap(std::string_view what) const;
  // The same error with another context.
  [[nodiscard]] Error WithContext(std::string context) const;

  static Error Make(ErrorCode code, std::string message, std::string context = {}) {
    return Error{code, std::move(message), std::move(context)};
  }
  // CONFIG_INVALID: `why`, with the config key path (or file) as context.
  static Error InvalidConfig(std::string path, std::string why) {
    return Error{ErrorCode::kConfigInvalid, std::move(why), std::move(path)};
  }
  // IO_ERROR: "op path: strerror(err)" with the path as context, like leveldb's PosixError.
  static Error Posix(std::string_view op, const std::string& path, int err);
};

// Required by boost::system::result<T, Error>::value() when it has to throw.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <typename T>
using Result = boost::system::result<T, Error>;

// Result<void> success value: `return Ok();`
inline Result<void> Ok() { return {}; }

}  // namespace warden
