// Fuzzes the profile store's schema (src/creds/profile_document.{hpp,cc}) and the import parsers
// (src/creds/profile_import.{hpp,cc}): auth-profiles.json is a file other tools write, and the
// Codex CLI / Claude Code files are theirs.
//
// Input: the text of a store (or of a source file for the import parsers).
// Invariants: no crash/UB; a parsed document serialises to text that parses back to the same
// profiles (same credentials) and order; every error is PROFILE_STORE_CORRUPT (store) or
// IMPORT_SOURCE_INVALID (imports) and never contains a credential value of the input (a
// "key"/"token"/"access"/"refresh" string of 8 bytes or more that is not also an id).
#include <cstdint>
#include <iterator>
#include <set>
#include <string>

#include <boost/json.hpp>

#include "creds/profile_document.hpp"
#include "creds/profile_import.hpp"
#include "fuzz_util.hpp"

using namespace warden::fuzz;
namespace creds = warden::creds;

namespace {

// The credential values of the input, where it is JSON shaped like a store; values that are
// part of an id or a provider name (which errors may name) are left out.
std::set<std::string> ValuesOf(std::string_view text) {
  std::set<std::string> values;
  std::set<std::string> names;
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(text, ec);
  if (ec || !root.is_object()) return values;
  const auto* profiles = root.get_object().if_contains("profiles");
  if (profiles == nullptr || !profiles->is_object()) return values;
  for (const auto& [id, cred] : profiles->get_object()) {
    names.emplace(id);
    if (!cred.is_object()) continue;
    const auto* provider = cred.get_object().if_contains("provider");
    if (provider != nullptr && provider->is_string()) names.emplace(provider->get_string());
    for (const char* field : {"key", "token", "access", "refresh"}) {
      const auto* v = cred.get_object().if_contains(field);
      if (v != nullptr && v->is_string() && v->get_string().size() >= 8) {
        values.emplace(v->get_string());
      }
    }
  }
  for (auto it = values.begin(); it != values.end();) {
    bool named = false;
    for (const auto& n : names) named = named || n.find(*it) != std::string::npos;
    it = named ? values.erase(it) : std::next(it);
  }
  return values;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

using Parse = warden::Result<creds::ImportedSet> (*)(std::string_view, const std::string&);

// The message of parsing `text`, or "" when it parses.
std::string MessageOf(Parse parse, std::string_view text) {
  if (parse == nullptr) {
    auto doc = creds::ParseProfileDocument(text, "/fuzz/auth-profiles.json");
    return doc ? std::string() : doc.error().message + " " + doc.error().context;
  }
  auto set = parse(text, "/fuzz/source.json");
  return set ? std::string() : set.error().message + " " + set.error().context;
}

// A value found in the message is a leak when it comes from the input: with the value replaced
// by another of the same length, the replacement shows up in the message in its place. (A
// value can also be a piece of the message's own wording, which is no leak.)
void CheckNoValue(Parse parse, std::string_view text, const std::string& message,
                  const std::set<std::string>& values) {
  for (const auto& v : values) {
    if (message.find(v) == std::string::npos) continue;
    const std::string marker(v.size(), 'Q');
    if (std::string_view(text).find(marker) != std::string_view::npos) continue;
    const std::string again = MessageOf(parse, ReplaceAll(std::string(text), v, marker));
    FUZZ_CHECK(again.find(marker) == std::string::npos, "a credential value in an error", again);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = AsView(data, size);
  const std::set<std::string> values = ValuesOf(text);
  auto doc = creds::ParseProfileDocument(text, "/fuzz/auth-profiles.json");
  if (doc) {
    const std::string written = creds::SerializeProfileDocument(*doc);
    auto again = creds::ParseProfileDocument(written, "/fuzz/again.json");
    FUZZ_CHECK(again.has_value(), "serialised store does not parse", written);
    FUZZ_CHECK(again->profiles.size() == doc->profiles.size(), "profile count changed", written);
    for (const auto& [id, p] : doc->profiles) {
      auto it = again->profiles.find(id);
      FUZZ_CHECK(it != again->profiles.end(), "profile lost", id);
      FUZZ_CHECK(creds::SameCredential(p, it->second), "credential changed", id);
    }
    FUZZ_CHECK(again->order == doc->order, "order changed", written);
  } else {
    FUZZ_CHECK(doc.error().code == warden::ErrorCode::kProfileStoreCorrupt,
               std::string(doc.error().CodeName()));
    CheckNoValue(nullptr, text, doc.error().message + " " + doc.error().context, values);
  }
  for (Parse parse :
       {&creds::ParseCodexAuth, &creds::ParseClaudeCredentials, &creds::ParseForeignProfiles}) {
    auto set = parse(text, "/fuzz/source.json");
    if (set) continue;
    FUZZ_CHECK(set.error().code == warden::ErrorCode::kImportSourceInvalid,
               std::string(set.error().CodeName()));
    CheckNoValue(parse, text, set.error().message + " " + set.error().context, values);
  }
  return 0;
}
