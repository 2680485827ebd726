// Resolution of `source = "file"` SecretRefs against one [secrets.providers.ALIAS] file.
//
// The file is read once per call (ReadSecureFile: absolute, not a symlink, regular, owned by
// the user, mode & 077 == 0, at most 1 MiB), so every ref of the batch sees the same content.
//   mode "json":         the id is an RFC 6901 pointer into the parsed document; the value there
//                        must be a non-empty string.
//   mode "single_value": the whole file is the value, minus one trailing "\n" or "\r\n"; the id
//                        must be "value".
// Errors, with the ref's Describe() as context and never a value:
//   SECRET_FILE_INSECURE  a security check failed (message names the fix, e.g. chmod 600);
//   SECRET_PROVIDER_ERROR missing/unreadable/oversized file, invalid JSON;
//   SECRET_REF_NOT_FOUND  the pointer names nothing (message names the pointer);
//   SECRET_REF_INVALID    malformed pointer, non-string or empty value, id other than "value".
// Ownership: borrows its arguments for the call only; file content is wiped after use.
// Thread safety: stateless; safe to call concurrently.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "observe/secret.hpp"

namespace warden::secrets {

// All `refs` belong to `alias`, whose config is `provider` (source "file"). Results are in the
// order of `refs`.
[[nodiscard]] std::vector<Result<Secret>> ResolveFileRefs(
    std::string_view alias, const config::SecretProviderConfig& provider,
    const std::vector<config::SecretRef>& refs);

}  // namespace warden::secrets
