// Fuzzes the exec secret protocol's response handling (src/secrets/exec_resolver.cc).
//
// The parser (ParseEnvelope/ValueFor/RawValue) is internal to exec_resolver.cc, so this fuzzes
// the nearest exposed function, ResolveExecRefs, with RunProcess (src/secrets/process_runner.hpp)
// replaced at link time by a fake that returns the fuzz input as the helper's stdout:
// process_runner.cc is not compiled into this fuzzer, nothing is spawned.
//
// Input: the helper's stdout. Its last byte also picks json_only (bit 0), the refs asked for
// (bits 4-5: one id; two; three refs, two with the same id; four refs, three ids) and, when it
// is 0xff, a failed run.
// Invariants: no crash/UB/leak/uncaught exception; the request on stdin is protocol JSON with
// each id once; one result per ref, in order, duplicates resolved alike; values are non-empty;
// the raw-stdout fallback strips one trailing newline; error codes are the documented ones and
// no error (message or context) ever contains child output (a canary in stdout must not leak).
#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "base/environment.hpp"
#include "fuzz_util.hpp"
#include "secrets/exec_resolver.hpp"
#include "secrets/process_runner.hpp"

using namespace warden::fuzz;
namespace json = boost::json;

namespace {

std::string_view g_stdout;
bool g_run_fails = false;
std::string g_stdin;

constexpr std::string_view kCanary = "SECRETCANARY";

}  // namespace

// The link-time seam: the fake helper.
namespace warden::secrets {

Result<std::string> CheckCommand(const std::string& command, const std::vector<std::string>&) {
  return command;
}

Result<ProcessOutput> RunProcess(const ProcessSpec& spec, const Environment&) {
  g_stdin = spec.stdin_data;
  if (g_run_fails)
    return Error::Make(ErrorCode::kSecretProviderError, "exited with status 3", spec.command);
  ProcessOutput out;
  out.stdout_data = std::string(g_stdout);
  out.stderr_tail = "SECRETCANARY on stderr";
  out.stderr_bytes = out.stderr_tail.size();
  return out;
}

}  // namespace warden::secrets

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t ctl = data[size - 1];
  g_stdout = AsView(data, size);
  g_run_fails = ctl == 0xff;

  warden::config::SecretProviderConfig provider;
  provider.alias = "vault";
  provider.source = warden::config::SecretSource::kExec;
  provider.command = "/usr/local/bin/vault-helper";
  provider.json_only = ctl & 1;
  static const std::vector<std::string> kIds = {"OPENAI_API_KEY", "anthropic/key", "OPENAI_API_KEY",
                                                "b"};
  static const std::size_t kCounts[4] = {1, 2, 3, 4};
  std::vector<warden::config::SecretRef> refs;
  for (std::size_t i = 0; i < kCounts[(ctl >> 4) & 3]; ++i) {
    warden::config::SecretRef ref;
    ref.source = warden::config::SecretSource::kExec;
    ref.provider = "vault";
    ref.id = kIds[i];
    refs.push_back(ref);
  }
  std::vector<std::string> unique;
  for (const auto& r : refs) {
    if (std::find(unique.begin(), unique.end(), r.id) == unique.end()) unique.push_back(r.id);
  }

  warden::MapEnvironment env;
  g_stdin.clear();
  auto results = warden::secrets::ResolveExecRefs(provider.alias, provider, refs, env);

  // The request the helper was sent.
  boost::system::error_code ec;
  json::value request = json::parse(g_stdin, ec);
  FUZZ_CHECK(!ec && request.is_object(), "stdin is not JSON", g_stdin);
  FUZZ_CHECK(request.at("protocolVersion") == 1 && request.at("provider") == "vault", g_stdin);
  const json::array& ids = request.at("ids").as_array();
  FUZZ_CHECK(ids.size() == unique.size(), "ids not sent once each", g_stdin);
  for (std::size_t i = 0; i < ids.size(); ++i) FUZZ_CHECK(ids[i] == unique[i].c_str(), g_stdin);

  FUZZ_CHECK(results.size() == refs.size(), "one result per ref");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    if (r) {
      FUZZ_CHECK(!g_run_fails, "a value from a failed run");
      FUZZ_CHECK(!r->empty(), "empty secret value");
    } else {
      const auto& e = r.error();
      FUZZ_CHECK(e.code == warden::ErrorCode::kSecretProviderError ||
                     e.code == warden::ErrorCode::kSecretRefNotFound ||
                     e.code == warden::ErrorCode::kSecretRefInvalid,
                 std::string(e.CodeName()));
      FUZZ_CHECK(e.context == refs[i].Describe(), e.context);
      FUZZ_CHECK(e.message.find(kCanary) == std::string::npos &&
                     e.context.find(kCanary) == std::string::npos,
                 "child output in an error", e.message);
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (refs[j].id != refs[i].id) continue;
      const auto& o = results[j];
      FUZZ_CHECK(bool(o) == bool(r), "duplicate refs resolved differently");
      if (r)
        FUZZ_CHECK(o->Reveal() == r->Reveal(), "duplicate refs resolved differently");
      else
        FUZZ_CHECK(o.error().code == r.error().code, "duplicate refs resolved differently");
    }
  }

  // json_only = false, one id, not protocol JSON: the value is stdout minus one trailing newline.
  if (!g_run_fails && !provider.json_only && unique.size() == 1 && results[0]) {
    std::string_view raw = g_stdout;
    json::value doc = json::parse(raw, ec);
    const bool protocol = !ec && doc.is_object() && doc.as_object().contains("protocolVersion");
    if (!protocol) {
      if (raw.ends_with("\r\n"))
        raw.remove_suffix(2);
      else if (raw.ends_with("\n"))
        raw.remove_suffix(1);
      FUZZ_CHECK(results[0]->Reveal() == raw, "raw value is not stdout minus one newline");
    }
  }
  return 0;
}
