#include "secrets/header_value.hpp"

#include <string>

namespace warden::secrets {

Result<void> CheckHeaderValue(std::string_view value, std::string_view what) {
  if (value.size() > kMaxHeaderValueBytes) {
    return Error::Make(ErrorCode::kSecretValueInvalid,
                       "value of " + std::string(what) + " is " + std::to_string(value.size()) +
                           " bytes, over the " + std::to_string(kMaxHeaderValueBytes / 1024) +
                           " KiB an HTTP header value may hold; check that the ref points at "
                           "the credential itself, not a whole file or document",
                       std::string(what));
  }
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return Error::Make(ErrorCode::kSecretValueInvalid,
                         "value of " + std::string(what) +
                             " contains control characters and cannot be sent in an HTTP header; "
                             "check the stored secret for a stray newline, tab or NUL",
                         std::string(what));
    }
  }
  return Ok();
}

}  // namespace warden::secrets
