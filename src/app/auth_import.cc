// `warden auth import [--from codex|claude|profiles] [--path FILE] [--dry-run] [--replace]`:
// bring credentials other tools hold into the profile store (creds/profile_import.hpp), read-only
// on their files. Without --from every source whose default file exists is read. All sources
// are read and checked first: if any found source is unusable (malformed, insecure) nothing is
// written and the exit code is 1. Prints ids, types, expiry and what happened — no value.
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "app/auth_common.hpp"
#include "app/profile_report.hpp"
#include "app/verbs.hpp"
#include "base/clock.hpp"
#include "base/environment.hpp"
#include "creds/profile_import.hpp"

namespace warden::app {
namespace {

constexpr std::string_view kVerb = "import";

struct Gathered {
  std::vector<creds::ImportedSet> sets;
  std::vector<Error> errors;
  std::vector<std::string> missing;  // default files that do not exist (no --from)
};

Result<std::vector<creds::ImportSource>> SourcesOf(const AuthImportOptions& options) {
  if (!options.from) {
    return std::vector<creds::ImportSource>(std::begin(creds::kAllImportSources),
                                            std::end(creds::kAllImportSources));
  }
  auto source = creds::ParseImportSource(*options.from);
  if (!source) {
    return Error::Make(ErrorCode::kProfileInvalid, "--from must be codex, claude or profiles");
  }
  return std::vector<creds::ImportSource>{*source};
}

Gathered Gather(const std::vector<creds::ImportSource>& sources, const AuthImportOptions& options) {
  ProcessEnvironment env;
  Gathered out;
  for (creds::ImportSource source : sources) {
    Result<std::string> path =
        options.path ? Result<std::string>(*options.path) : creds::DefaultImportPath(source, env);
    if (!path) {
      out.errors.push_back(path.error());
      continue;
    }
    auto set = creds::ReadImportSource(source, *path);
    if (set) {
      out.sets.push_back(std::move(*set));
    } else if (set.error().code == ErrorCode::kImportSourceMissing && !options.from) {
      out.missing.push_back(std::string(creds::ImportSourceName(source)) + ": " + *path);
    } else {
      out.errors.push_back(set.error());
    }
  }
  return out;
}

// Merges every set into `doc`; returns what happened, as text to print once it is written.
std::string Merge(creds::ProfileDocument& doc, const std::vector<creds::ImportedSet>& sets,
                  bool replace, bool dry_run) {
  const std::int64_t now = SystemClock().NowMs();
  std::string text;
  for (const auto& set : sets) {
    text += fmt::format("from {} ({}):\n", creds::ImportSourceName(set.source), set.path);
    auto entries = creds::MergeImported(doc, set, replace);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      text += fmt::format("  {}{}\n    {}\n", dry_run ? "would be " : "",
                          creds::MergeOutcomeName(entries[i].outcome),
                          ProfileLine(set.profiles[i], now));
    }
    for (const auto& why : set.skipped) text += "  skipped: " + why + "\n";
  }
  return text;
}

}  // namespace

int RunAuthImport(const AuthImportOptions& options) {
  auto sources = SourcesOf(options);
  if (!sources) return AuthFail(kVerb, sources.error());
  auto store = OpenProfileStore();
  if (!store) return AuthFail(kVerb, store.error());
  Gathered gathered = Gather(*sources, options);
  if (!gathered.errors.empty()) {
    for (const auto& e : gathered.errors) AuthFail(kVerb, e);
    std::fprintf(stderr, "warden auth import: nothing was imported\n");
    return 1;
  }
  if (gathered.sets.empty()) {
    std::string looked;
    for (const auto& m : gathered.missing) looked += "\n  " + m;
    return AuthFail(kVerb, Error::Make(ErrorCode::kImportSourceMissing,
                                       "nothing to import; looked for:" + looked));
  }
  for (const auto& m : gathered.missing) std::printf("not found: %s\n", m.c_str());
  if (options.dry_run) {
    auto doc = store->Load();
    if (!doc) return AuthFail(kVerb, doc.error());
    std::fputs(Merge(*doc, gathered.sets, options.replace, true).c_str(), stdout);
    std::printf("dry run: %s was not changed\n", store->path().c_str());
    return 0;
  }
  std::string text;
  auto doc = store->Update([&](creds::ProfileDocument& d) -> Result<bool> {
    text = Merge(d, gathered.sets, options.replace, false);
    return true;
  });
  if (!doc) return AuthFail(kVerb, doc.error());
  std::fputs(text.c_str(), stdout);
  std::printf(
      "store: %s\nnote: the source files were not changed. Once warden refreshes an imported "
      "OAuth login, the provider rotates its refresh token and the other tool's copy stops "
      "working (it will ask you to log in again): let warden be the one place that refreshes.\n",
      store->path().c_str());
  return 0;
}

}  // namespace warden::app
