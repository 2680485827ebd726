// Resolution of `source = "exec"` SecretRefs: one run of the alias's helper command per call,
// asking for every id of the batch at once (exec protocol v1, README "SecretRefs").
//
//   stdin:  {"protocolVersion":1,"provider":ALIAS,"ids":[...]}      (duplicate ids sent once)
//   stdout: {"protocolVersion":1,"values":{id:value},"errors":{id:{"code":...}}}
// The command runs through RunProcess (no shell, pass_env only, trusted_dirs, timeout kills the
// tree, output capped at max_output_bytes).
// Outcomes, with the ref's Describe() as context and never a value or any child output:
//   SECRET_PROVIDER_ERROR for every ref of the batch: the run failed (spawn error, non-zero
//     exit, signal, timeout, oversized output) or stdout is not protocol JSON (bad JSON, wrong
//     or absent protocolVersion, "values"/"errors" not objects);
//   SECRET_REF_NOT_FOUND: the id is absent from "values" (or "errors" says NOT_FOUND);
//   SECRET_REF_INVALID: the value is not a non-empty string, or "errors" says
//     AMBIGUOUS_DUPLICATE_KEY;
//   SECRET_PROVIDER_ERROR: "errors" has another code (not echoed: it is child output).
// With json_only = false and a single id, stdout that is not protocol JSON is the value itself,
// minus one trailing "\n" or "\r\n".
// Ownership: borrows its arguments for the call only; the child is always reaped before return.
// Thread safety: stateless; safe to call concurrently. Blocks for up to the provider's timeout.
#pragma once

#include <string_view>
#include <vector>

#include "base/environment.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "observe/secret.hpp"

namespace warden::secrets {

// All `refs` belong to `alias`, whose config is `provider` (source "exec"); `env` supplies the
// pass_env variables. Results are in the order of `refs`.
[[nodiscard]] std::vector<Result<Secret>> ResolveExecRefs(
    std::string_view alias, const config::SecretProviderConfig& provider,
    const std::vector<config::SecretRef>& refs, const Environment& env);

}  // namespace warden::secrets
