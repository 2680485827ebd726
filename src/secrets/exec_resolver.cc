#include "secrets/exec_resolver.hpp"

#include <string.h>  // explicit_bzero

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "base/strings.hpp"
#include "secrets/process_runner.hpp"

namespace warden::secrets {
namespace {

constexpr ErrorCode kProviderError = ErrorCode::kSecretProviderError;
constexpr std::int64_t kProtocolVersion = 1;

std::string Prefix(std::string_view alias) { return "exec provider " + Quoted(alias) + ": "; }

// Every ref of the batch fails with `error`; each carries its own ref as context.
std::vector<Result<Secret>> FailAll(const Error& error,
                                    const std::vector<config::SecretRef>& refs) {
  std::vector<Result<Secret>> out;
  out.reserve(refs.size());
  for (const auto& ref : refs) out.emplace_back(error.WithContext(ref.Describe()));
  return out;
}

// The codes a helper may put in "errors" that warden understands, and what each one means. They
// are the helper's vocabulary, mapped to ours here at the boundary; any other code is reported
// as SECRET_PROVIDER_ERROR without being echoed (it is child output, which could be a secret).
struct HelperCode {
  std::string_view wire;
  ErrorCode code;
};
constexpr HelperCode kHelperCodes[] = {
    {"AMBIGUOUS_DUPLICATE_KEY", ErrorCode::kSecretRefInvalid},
    {"NOT_FOUND", ErrorCode::kSecretRefNotFound},
};

const HelperCode* FindHelperCode(std::string_view wire) {
  for (const HelperCode& known : kHelperCodes) {
    if (known.wire == wire) return &known;
  }
  return nullptr;
}

std::string BuildRequest(std::string_view alias, const std::vector<std::string>& ids) {
  boost::json::array id_array;
  for (const auto& id : ids) id_array.emplace_back(id);
  boost::json::object request;
  request["protocolVersion"] = kProtocolVersion;
  request["provider"] = alias;
  request["ids"] = std::move(id_array);
  return boost::json::serialize(request);
}

// The two maps of a protocol v1 response (either may be absent).
struct Response {
  const boost::json::object* values = nullptr;
  const boost::json::object* errors = nullptr;
};

// Checks the envelope. On failure returns an Error whose message describes the shape problem
// only; nothing from stdout is quoted.
Result<Response> ParseEnvelope(const boost::json::value& doc) {
  const auto* root = doc.if_object();
  if (root == nullptr) {
    return Error::Make(kProviderError, "stdout is JSON but not an object");
  }
  const auto* version = root->if_contains("protocolVersion");
  if (version == nullptr) {
    return Error::Make(kProviderError, "stdout has no protocolVersion (expected 1)");
  }
  bool is_one = (version->is_int64() && version->get_int64() == kProtocolVersion) ||
                (version->is_uint64() && version->get_uint64() == kProtocolVersion);
  if (!is_one) {
    return Error::Make(kProviderError, "stdout has an unsupported protocolVersion (expected 1)");
  }
  Response response;
  if (const auto* values = root->if_contains("values")) {
    response.values = values->if_object();
    if (response.values == nullptr) {
      return Error::Make(kProviderError, "stdout \"values\" is not an object");
    }
  }
  if (const auto* errors = root->if_contains("errors")) {
    response.errors = errors->if_object();
    if (response.errors == nullptr) {
      return Error::Make(kProviderError, "stdout \"errors\" is not an object");
    }
  }
  return response;
}

Result<Secret> ValueFor(const Response& response, const config::SecretRef& ref,
                        std::string_view alias) {
  const std::string context = ref.Describe();
  if (response.values != nullptr) {
    if (const auto* value = response.values->if_contains(ref.id)) {
      const auto* s = value->if_string();
      if (s == nullptr || s->empty()) {
        return Error::Make(ErrorCode::kSecretRefInvalid,
                           Prefix(alias) +
                               "the value returned for this id must be a non-empty "
                               "string",
                           context);
      }
      return Secret(std::string(s->data(), s->size()));
    }
  }
  if (response.errors != nullptr) {
    if (const auto* entry = response.errors->if_contains(ref.id)) {
      std::string_view wire;
      if (const auto* obj = entry->if_object()) {
        if (const auto* c = obj->if_contains("code"); c != nullptr && c->is_string()) {
          wire = c->get_string();
        }
      }
      if (const HelperCode* known = FindHelperCode(wire)) {
        return Error::Make(
            known->code,
            Prefix(alias) + "the helper reported " + std::string(known->wire) + " for this id",
            context);
      }
      return Error::Make(kProviderError,
                         Prefix(alias) +
                             "the helper reported an error for this id (code not shown; run the "
                             "helper by hand to see it)",
                         context);
    }
  }
  return Error::Make(ErrorCode::kSecretRefNotFound,
                     Prefix(alias) +
                         "the helper returned no value for "
                         "this id",
                     context);
}

// json_only = false, one id, stdout not protocol JSON: stdout itself is the value.
Result<Secret> RawValue(std::string_view out, const config::SecretRef& ref,
                        std::string_view alias) {
  if (out.size() >= 2 && out.substr(out.size() - 2) == "\r\n") {
    out.remove_suffix(2);
  } else if (!out.empty() && out.back() == '\n') {
    out.remove_suffix(1);
  }
  if (out.empty()) {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       Prefix(alias) +
                           "the helper printed an empty value; it must be a "
                           "non-empty string",
                       ref.Describe());
  }
  return Secret(std::string(out));
}

}  // namespace

std::vector<Result<Secret>> ResolveExecRefs(std::string_view alias,
                                            const config::SecretProviderConfig& provider,
                                            const std::vector<config::SecretRef>& refs,
                                            const Environment& env) {
  if (refs.empty()) return {};
  // Unique ids in first-seen order: the helper is asked once per id.
  std::vector<std::string> ids;
  {
    std::map<std::string_view, bool> seen;
    for (const auto& ref : refs) {
      if (seen.emplace(ref.id, true).second) ids.push_back(ref.id);
    }
  }

  ProcessSpec spec;
  spec.command = provider.command;
  spec.args = provider.args;
  spec.pass_env = provider.pass_env;
  spec.trusted_dirs = provider.trusted_dirs;
  spec.timeout = provider.timeout;
  spec.max_output = provider.max_output_bytes;
  spec.stdin_data = BuildRequest(alias, ids);

  auto run = RunProcess(spec, env);
  if (!run) {
    // Whatever stopped the run (including a pipe that could not be made) is the provider's
    // failure from the ref's point of view.
    return FailAll(
        Error::Make(kProviderError, run.error().message).Wrap("exec provider " + Quoted(alias)),
        refs);
  }
  std::string& out = run->stdout_data;
  explicit_bzero(run->stderr_tail.data(), run->stderr_tail.size());

  std::vector<Result<Secret>> results;
  results.reserve(refs.size());
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(out, ec);
  Result<Response> envelope =
      ec ? Result<Response>(
               Error::Make(kProviderError, "stdout is not valid JSON (" + ec.message() + ")"))
         : ParseEnvelope(doc);
  if (!envelope) {
    if (!provider.json_only && ids.size() == 1) {
      for (const auto& ref : refs) results.push_back(RawValue(out, ref, alias));
    } else {
      std::string hint = provider.json_only && ids.size() == 1
                             ? "; set json_only = false to use raw stdout as the value"
                             : "";
      results = FailAll(Error::Make(kProviderError, envelope.error().message + hint)
                            .Wrap("exec provider " + Quoted(alias)),
                        refs);
    }
  } else {
    for (const auto& ref : refs) results.push_back(ValueFor(*envelope, ref, alias));
  }
  explicit_bzero(out.data(), out.size());
  return results;
}

}  // namespace warden::secrets
