// ErrorCode: every machine-readable error code warden reports, declared once.
//
// The codes are part of the wire contract: their names appear in CLI output, in
// `warden status --json` / `warden secrets audit --json` and in logs, and scripts match on them.
// WARDEN_ERROR_CODES lists each code once, sorted by wire name, as X(enumerator, "WIRE_NAME");
// the enum and both directions of the name mapping are generated from it, so a code cannot
// exist in one place and be missing from another. Code decides on the enum, never on the name.
// Ownership: wire names are views of static strings, valid for the program's lifetime.
// Thread safety: constants and pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace warden {

#define WARDEN_ERROR_CODES(X)                                       \
  X(kAuthModeUnsupported, "AUTH_MODE_UNSUPPORTED")                  \
  X(kBindFailed, "BIND_FAILED")                                     \
  X(kBodyInvalidJson, "BODY_INVALID_JSON")                          \
  X(kBodyNotObject, "BODY_NOT_OBJECT")                              \
  X(kConfigInvalid, "CONFIG_INVALID")                               \
  X(kDotenvInvalid, "DOTENV_INVALID")                               \
  X(kFileInsecure, "FILE_INSECURE")                                 \
  X(kFileTooLarge, "FILE_TOO_LARGE")                                \
  X(kHomeUnset, "HOME_UNSET")                                       \
  X(kImportSourceInvalid, "IMPORT_SOURCE_INVALID")                  \
  X(kImportSourceMissing, "IMPORT_SOURCE_MISSING")                  \
  X(kIoError, "IO_ERROR")                                           \
  X(kJwtMalformed, "JWT_MALFORMED")                                 \
  X(kJwtNoExp, "JWT_NO_EXP")                                        \
  X(kLockTimeout, "LOCK_TIMEOUT")                                   \
  X(kModelDuplicate, "MODEL_DUPLICATE")                             \
  X(kModelMissing, "MODEL_MISSING")                                 \
  X(kModelNotString, "MODEL_NOT_STRING")                            \
  X(kProfileInvalid, "PROFILE_INVALID")                             \
  X(kProfileNotFound, "PROFILE_NOT_FOUND")                          \
  X(kProfileStoreCorrupt, "PROFILE_STORE_CORRUPT")                  \
  X(kProviderNoCredential, "PROVIDER_NO_CREDENTIAL")                \
  X(kReadyzInvalid, "READYZ_INVALID")                               \
  X(kSecretFileInsecure, "SECRET_FILE_INSECURE")                    \
  X(kSecretProviderError, "SECRET_PROVIDER_ERROR")                  \
  X(kSecretProviderNotConfigured, "SECRET_PROVIDER_NOT_CONFIGURED") \
  X(kSecretRefInvalid, "SECRET_REF_INVALID")                        \
  X(kSecretRefNotFound, "SECRET_REF_NOT_FOUND")                     \
  X(kSecretValueInvalid, "SECRET_VALUE_INVALID")                    \
  X(kTlsConfigInvalid, "TLS_CONFIG_INVALID")                        \
  X(kTokenInvalid, "TOKEN_INVALID")                                 \
  X(kTokenMissing, "TOKEN_MISSING")                                 \
  X(kUpstreamBusy, "UPSTREAM_BUSY")                                 \
  X(kUpstreamConnect, "UPSTREAM_CONNECT")                           \
  X(kUpstreamProtocol, "UPSTREAM_PROTOCOL")                         \
  X(kUpstreamTimeout, "UPSTREAM_TIMEOUT")                           \
  X(kUpstreamTls, "UPSTREAM_TLS")

enum class ErrorCode {
  // No error: what a default-constructed Error holds, which boost::system::result::error()
  // returns for a result that has a value. Never reported; its wire name is "".
  kNone,
#define WARDEN_ERROR_CODE_ENUMERATOR(id, wire) id,
  WARDEN_ERROR_CODES(WARDEN_ERROR_CODE_ENUMERATOR)
#undef WARDEN_ERROR_CODE_ENUMERATOR
};

// The wire name: "CONFIG_INVALID" for kConfigInvalid ("" for kNone).
std::string_view WireName(ErrorCode code);

// The code whose wire name is `name`; nullopt for anything else (case-sensitive).
std::optional<ErrorCode> ParseErrorCode(std::string_view name);

}  // namespace warden
