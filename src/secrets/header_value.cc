#include "secrets/header_value.hpp"

#include <string>

namespace warden::secrets {

Result<void> CheckHeaderValue(std::string_view value, std::string_view what) {
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
