#include "proxy/model_routing.hpp"

#include <vector>

#include "base/glob.hpp"
#include "config/model_ref.hpp"

namespace warden::proxy {

namespace {

using snapshot::ProviderRuntime;
using snapshot::Snapshot;

constexpr std::size_t kShownModelBytes = 100;

// The caller's model as messages echo it: cut (on a UTF-8 boundary) when long, since a body
// may carry megabytes in it.
std::string Cut(std::string_view model) {
  if (model.size() <= kShownModelBytes) return std::string(model);
  std::size_t cut = kShownModelBytes;
  while (cut > 0 && (static_cast<unsigned char>(model[cut]) & 0xC0) == 0x80) --cut;
  return std::string(model.substr(0, cut)) + "...";
}

std::string Shown(std::string_view model) { return "\"" + Cut(model) + "\""; }

std::string EnabledList(const Snapshot& snap) {
  return snap.enabled_names.empty() ? std::string("none") : snap.enabled_names;
}

ModelChoice Rejected(int status, std::string code, std::string message) {
  ModelChoice choice;
  choice.reply = Reply{status, std::move(code), std::move(message), {}};
  return choice;
}

// "provider/model@profile" → "provider/model": what the caller's policy and messages see.
std::string_view WithoutProfile(std::string_view text, std::string_view profile) {
  if (profile.empty()) return text;
  return text.substr(0, text.size() - profile.size() - 1);
}

ModelChoice Explicit(const Snapshot& snap, std::string_view model) {
  const std::optional<config::ModelRef> ref = config::ParseModelRef(model);
  if (!ref) {
    return Rejected(400, "model_invalid",
                    "model must be \"provider/model\" (e.g. \"openai/gpt-4o\") or a model name "
                    "without \"/\"; enabled providers: " +
                        EnabledList(snap));
  }
  ModelChoice choice;
  choice.provider = snap.FindProvider(ref->provider);
  if (choice.provider == nullptr) {
    return Rejected(400, "unknown_provider",
                    "unknown provider '" + std::string(ref->provider) +
                        "'; enabled providers: " + EnabledList(snap));
  }
  choice.model = ref->model;
  choice.profile = ref->profile;
  choice.rewrite = true;
  choice.qualified = WithoutProfile(model, ref->profile);
  return choice;
}

ModelChoice FromAlias(const Snapshot& snap, const snapshot::ModelRoutes::Alias& alias) {
  ModelChoice choice;
  choice.provider = &snap.providers[alias.provider];
  choice.model = alias.model;
  choice.profile = alias.profile;
  choice.rewrite = true;
  choice.qualified = WithoutProfile(alias.target, alias.profile);
  choice.via = alias.key_path;
  return choice;
}

std::string NameList(const std::vector<const ProviderRuntime*>& providers) {
  std::string out;
  for (const ProviderRuntime* p : providers) out += (out.empty() ? "" : ", ") + p->id;
  return out;
}

// No rule, and not exactly one enabled provider for this wire format: say which could take it
// and how to choose.
ModelChoice NoSingleProvider(const Snapshot& snap, WireFormat wire, std::string_view model) {
  std::vector<const ProviderRuntime*> enabled, disabled;
  for (const ProviderRuntime& p : snap.providers) {
    if (Speaks(p, wire)) (p.enabled ? enabled : disabled).push_back(&p);
  }
  std::string message =
      "model " + Shown(model) + " has no \"provider/\" prefix and matches no [models] rule, and ";
  if (!enabled.empty()) {
    const std::string example = enabled.front()->id;
    message += std::to_string(enabled.size()) + " enabled providers speak " +
               std::string(WireName(wire)) + " (" + NameList(enabled) + "): write \"" + example +
               "/" + Cut(model) + "\", or route such names with a [models] rule, e.g. \"" +
               Cut(model) + "*\" = \"" + example + "\"";
    return Rejected(400, "model_ambiguous", std::move(message));
  }
  message += "no enabled provider speaks " + std::string(WireName(wire));
  for (const ProviderRuntime* p : disabled) {
    message += "; '" + p->id + "' would";
    if (!p->how_to_enable.empty()) message += " (set " + p->HowToEnable() + ")";
  }
  message += "; enabled providers: " + EnabledList(snap);
  return Rejected(400, "model_unroutable", std::move(message));
}

ModelChoice Bare(const Snapshot& snap, WireFormat wire, std::string_view model) {
  ModelChoice choice;
  choice.model = model;
  for (const snapshot::ModelRoutes::Rule& rule : snap.models.rules) {
    const ProviderRuntime& p = snap.providers[rule.provider];
    if (!Speaks(p, wire) || !GlobMatches(rule.pattern, model)) continue;
    choice.provider = &p;
    choice.via = rule.key_path;
    return choice;
  }
  const ProviderRuntime* sole = nullptr;
  for (const ProviderRuntime& p : snap.providers) {
    if (!p.enabled || !Speaks(p, wire)) continue;
    if (sole != nullptr) return NoSingleProvider(snap, wire, model);
    sole = &p;
  }
  if (sole == nullptr) return NoSingleProvider(snap, wire, model);
  choice.provider = sole;
  return choice;
}

}  // namespace

std::string_view WireName(WireFormat wire) {
  return wire == WireFormat::kAnthropic ? "the Anthropic API" : "the OpenAI API";
}

bool Speaks(const ProviderRuntime& provider, WireFormat wire) {
  return (provider.api == config::Api::kAnthropic) == (wire == WireFormat::kAnthropic);
}

ModelChoice ChooseModel(const Snapshot& snap, WireFormat wire, std::string_view model) {
  if (model.empty() || model.find('/') != std::string_view::npos) return Explicit(snap, model);
  if (const snapshot::ModelRoutes::Alias* alias = snap.models.FindAlias(model))
    return FromAlias(snap, *alias);
  const config::ModelRef bare = config::ParseBareModel(model);
  if (bare.profile.empty()) return Bare(snap, wire, model);
  // "name@profile": route the name, pin the profile; the upstream receives the name alone.
  ModelChoice choice;
  if (const snapshot::ModelRoutes::Alias* alias = snap.models.FindAlias(bare.model)) {
    choice = FromAlias(snap, *alias);
  } else {
    choice = Bare(snap, wire, bare.model);
    choice.model = bare.model;
  }
  choice.profile = bare.profile;
  choice.rewrite = true;
  return choice;
}

}  // namespace warden::proxy
