// Model routing: which provider a request's "model" goes to, and what the upstream receives.
// In order (DESIGN §3 "Model strings", README "Model names"):
//   1. "provider/model[@profile]" (any name with a "/"): explicit; the provider must exist.
//   2. a [models.aliases] name: its "provider/model" target, then as 1.
//   3. a bare name: the first [models] rule (config order) whose pattern matches it and whose
//      provider speaks the route's wire format — a rule for a provider of the other format is
//      skipped, so "claude-*" may name an Anthropic provider for /v1/messages and an
//      OpenAI-compatible one for /v1/chat/completions. A matching rule decides even when its
//      provider is disabled (the caller then gets provider_disabled naming the rule and how to
//      enable it, rather than a silent detour to a provider that does not know the name).
//   4. else the one enabled provider that speaks the route's wire format;
//   5. else 400 "model_ambiguous" (several such providers, named) or "model_unroutable" (none).
// A bare name reaches the upstream unchanged (the body is not rewritten), unless it carries a
// profile: "name@profile" (the "@" rule of config/model_ref.hpp) routes "name" as above (an
// alias too) and pins the profile, and the upstream receives "name". An alias target may carry
// "@profile" as well; a suffix on the alias name wins over it.
// Thread safety: pure functions over the immutable snapshot; no allocation on the success path.
// Ownership: a ModelChoice points into the snapshot and the caller's model string, which must
// outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/reply.hpp"
#include "proxy/wire_format.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

struct ModelChoice {
  std::optional<Reply> reply;                           // set → answer this instead
  const snapshot::ProviderRuntime* provider = nullptr;  // set unless the provider is unknown
  std::string_view model;                               // what the upstream receives
  std::string_view profile;  // the pinned profile's name ("@work" → "work"); empty = none
  bool rewrite = false;      // the body's "model" must become `model` (explicit names, aliases)
  // "provider/model" (without "@profile") as text when it exists (explicit names, alias
  // targets); empty for a bare name, whose policy name the caller builds only when a policy
  // needs it.
  std::string_view qualified;
  std::string_view via;  // the rule or alias that routed it ("models.\"gpt-*\""), else empty
};

ModelChoice ChooseModel(const snapshot::Snapshot& snap, WireFormat wire, std::string_view model);

// "the OpenAI API" / "the Anthropic API", for messages.
std::string_view WireName(WireFormat wire);

// True when `provider` serves requests of `wire`.
bool Speaks(const snapshot::ProviderRuntime& provider, WireFormat wire);

}  // namespace warden::proxy
