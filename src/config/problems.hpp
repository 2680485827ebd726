// Problems: every mistake found while loading one config, each tied to its key path, so a load
// reports all of them at once instead of stopping at the first (userver-style validation).
//
// A problem's text must never contain a secret value: callers build it from key paths, types and
// refs only. ToError() folds the list into the single Error the loader returns.
// Ownership: Problems owns its recorded texts; ToError copies them into the Error.
// Thread safety: none; one instance per load, used by a single thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace warden::config {

class Problems {
 public:
  // Records "path: why" under `code` (CONFIG_INVALID unless a SECRET_* code is more precise).
  void Add(std::string path, std::string why, ErrorCode code = ErrorCode::kConfigInvalid);

  // Records `unknown key "path"`, suggesting the closest of `known` (siblings of the key) when it
  // is within edit distance 2: a typo then costs one read instead of a trip to the docs.
  // `parent` is the table's key path ("gateway"), `key` the unknown key in it ("bnd").
  void AddUnknownKey(std::string_view parent, std::string_view key,
                     const std::vector<std::string>& known,
                     ErrorCode code = ErrorCode::kConfigInvalid);

  // True when a problem was already recorded at `path` or below it. Validation uses this to stay
  // quiet about a field whose value was already refused (no "required" after "wrong type").
  [[nodiscard]] bool Touches(std::string_view path) const;

  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] std::size_t size() const { return items_.size(); }

  // One Error: message = every problem joined with "; ", context = origin. The code is
  // CONFIG_INVALID, unless every problem carries the same more specific code (e.g. a config whose
  // only mistake is a bad SecretRef reports SECRET_REF_INVALID).
  [[nodiscard]] Error ToError(std::string origin) const;

 private:
  struct Problem {
    ErrorCode code;
    std::string path;
    std::string text;
  };
  std::vector<Problem> items_;
};

// Key-path helpers: JoinKey("providers", "cf") → "providers.cf"; keys that are not TOML bare keys
// are quoted: JoinKey("providers.cf.headers", "a b") → "providers.cf.headers.\"a b\"".
std::string JoinKey(std::string_view parent, std::string_view key);
// JoinIndex("providers.cf.keys", 0) → "providers.cf.keys[0]".
std::string JoinIndex(std::string_view parent, std::size_t index);

// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
std::size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace warden::config
