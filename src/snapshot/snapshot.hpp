// Snapshot: everything the data plane needs, resolved and immutable.
//
// The control plane (BuildSnapshot) resolves config + secrets into a Snapshot and publishes it
// through a SnapshotStore; each request loads one shared_ptr<const Snapshot> at its start and
// keeps it, so a reload never changes a request midway. Mutable per-credential state (cooldowns,
// federated tokens refreshed in the background) lives beside it in shared objects that survive
// swaps (KeyState, FederatedToken).
// Ownership: shared_ptr<const Snapshot>; the store holds the current one, each request a copy.
// Thread safety: Snapshot is immutable; SnapshotStore::Load/Store are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/access_policy.hpp"
#include "base/published_ptr.hpp"
#include "config/config.hpp"
#include "creds/federated_token.hpp"
#include "creds/key_pool.hpp"
#include "creds/profile_pool.hpp"
#include "http/origin.hpp"
#include "observe/secret.hpp"

namespace warden::snapshot {

struct ProviderRuntime {
  std::string id;
  config::Api api = config::Api::kOpenAi;
  http::Origin origin;
  std::string base_path;  // "/v1"
  bool enabled = false;
  std::string disabled_reason;             // why not enabled (names only, never values)
  std::vector<std::string> how_to_enable;  // env variables / config keys that would enable it
  std::string source_kind;                 // "env" | "config" | "federated" | "profiles" | "none"
  std::string federated_problem;           // a federated token was found but is expired/malformed
  bool broken = false;  // report mode only: its credential config failed to resolve
  creds::KeyPool keys;
  creds::ProfilePool profiles;  // this provider's profiles of auth-profiles.json, tried first
  std::vector<std::pair<std::string, Secret>> headers;  // extra headers, prefix applied
  std::vector<std::string> forward_caller_headers;      // opted-in caller headers, lower case
  bool websockets = false;  // may relay `GET /v1/responses` WebSocket upgrades
  std::shared_ptr<creds::FederatedToken> federated;  // null when not configured

  // how_to_enable as one comma-separated list, for messages.
  std::string HowToEnable() const;
};

// The [models] table, compiled at build: provider ids resolved to indices into
// Snapshot::providers, so routing a bare name is a walk over patterns (base/glob, no allocation).
struct ModelRoutes {
  struct Rule {
    std::string pattern;   // GlobMatches pattern on the bare name
    std::size_t provider;  // index into Snapshot::providers
    std::string key_path;  // models."claude-*" — for messages
  };
  struct Alias {
    std::string name;
    std::size_t provider;      // index into Snapshot::providers
    std::string target;        // "provider/model" as written in the config
    std::string model;         // what the upstream receives
    std::string key_path;      // models.aliases.fast
    std::string profile = {};  // "@profile" of the target, without the "@"; empty = none
  };
  std::vector<Rule> rules;  // config order: the first match wins
  std::vector<Alias> aliases;

  const Alias* FindAlias(std::string_view name) const;
};

struct Snapshot {
  std::uint64_t generation = 0;
  std::shared_ptr<const config::Config> config;
  access::AccessPolicy access;
  std::vector<ProviderRuntime> providers;  // config order
  std::string enabled_names;               // "openai, anthropic" — for error messages
  ModelRoutes models;

  const ProviderRuntime* FindProvider(std::string_view id) const;
};

using SnapshotConstSharedPtr = std::shared_ptr<const Snapshot>;

// Publishes snapshots to the event loops.
//
// Load() is called once per request on every core. A plain copy of one shared_ptr would make all
// cores increment the same reference count (a contended cache line), and the published pointer
// sits behind a mutex (base/published_ptr.hpp). So each thread keeps its own handle: an aliasing
// shared_ptr whose control block is private to that thread (it owns one reference to the published
// snapshot), and re-reads the published pointer only when the generation counter moves.
class SnapshotStore {
 public:
  SnapshotConstSharedPtr Load() const;
  void Store(SnapshotConstSharedPtr s);

 private:
  PublishedPtr<Snapshot> current_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace warden::snapshot
