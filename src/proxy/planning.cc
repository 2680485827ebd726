#include "proxy/planning.hpp"

#include "proxy/model_field.hpp"
#include "proxy/model_routing.hpp"

namespace warden::proxy {

namespace {

// At most `max` bytes of `text`, cut on a UTF-8 boundary (a profile name in a message).
std::string_view Cut(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

ProxyPlan Reject(ProxyPlan plan, int status, std::string code, std::string message,
                 ExtraHeaders extra = {}) {
  plan.reply = Reply{status, std::move(code), std::move(message), std::move(extra)};
  return plan;
}

std::string DisabledMessage(const snapshot::ProviderRuntime& prov, const ModelChoice& choice) {
  std::string message = "provider '" + prov.id + "' is disabled: " + prov.disabled_reason;
  if (!prov.how_to_enable.empty()) message += "; to enable it set " + prov.HowToEnable();
  if (!choice.via.empty())
    message += " (the model was routed to it by " + std::string(choice.via) + ")";
  return message;
}

std::string WireMismatchMessage(const snapshot::ProviderRuntime& prov) {
  std::string message = "provider '" + prov.id + "' speaks the ";
  message += prov.api == config::Api::kAnthropic ? "Anthropic API; use /v1/messages"
                                                 : "OpenAI API; use /v1/chat/completions";
  return message;
}

// The ids of the provider's profiles that `caller` may use, for profile_unknown.
std::string ProfileList(const snapshot::ProviderRuntime& prov, const access::CallerPolicy* caller) {
  std::string out;
  for (const creds::PooledProfile& p : prov.profiles.profiles()) {
    if (caller != nullptr && !caller->AllowsProfile(p.id)) continue;
    out += (out.empty() ? "" : ", ") + p.id;
  }
  return out;
}

// "@name": the caller may use "provider:name" and the provider has it.
ProxyPlan ResolvePin(ProxyPlan plan, const ModelChoice& choice,
                     const access::CallerPolicy* caller) {
  const snapshot::ProviderRuntime& prov = *plan.provider;
  const std::string name(Cut(choice.profile, 130));
  const std::string id = prov.id + ":" + name;
  if (caller != nullptr) {
    if (auto refusal = access::ProfileRefusal(*caller, id))
      return Reject(std::move(plan), 403, "caller_not_allowed", std::move(*refusal));
  }
  plan.profile = prov.profiles.Find(choice.profile);
  if (plan.profile != nullptr) return plan;
  const std::string list = ProfileList(prov, caller);
  std::string message = "provider '" + prov.id + "' has no profile '" + id + "'; ";
  if (list.empty()) {
    message += "it has no profiles" + std::string(caller != nullptr ? " this caller may use" : "") +
               " (add one with `warden auth paste-token --provider " + prov.id + " --profile " +
               name + "`)";
  } else {
    message += "its profiles: " + list;
  }
  return Reject(std::move(plan), 400, "profile_unknown", std::move(message));
}

// The checks that need the provider: enabled, wire format, the pinned profile.
ProxyPlan CheckProvider(ProxyPlan plan, const Route& route, const ModelChoice& choice,
                        const access::CallerPolicy* caller) {
  const snapshot::ProviderRuntime& prov = *plan.provider;
  if (!prov.enabled)
    return Reject(std::move(plan), 503, "provider_disabled", DisabledMessage(prov, choice));
  if (!Speaks(prov, route.wire)) {
    return Reject(std::move(plan), 400, "wire_format_mismatch", WireMismatchMessage(prov));
  }
  if (!choice.profile.empty()) return ResolvePin(std::move(plan), choice, caller);
  return plan;
}

// The caller's policy applies to the resolved "provider/model", whichever way it was written.
std::optional<std::string> Refusal(const access::CallerPolicy& caller, const ModelChoice& choice) {
  const std::string_view provider = choice.provider->id;
  // Without model rules the name is never read, so a bare name costs no string.
  if (!choice.qualified.empty() || !caller.models)
    return access::PolicyRefusal(caller, provider, choice.qualified);
  const std::string qualified = std::string(provider) + "/" + std::string(choice.model);
  return access::PolicyRefusal(caller, provider, qualified);
}

}  // namespace

std::string_view WireCodeForBodyError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kBodyInvalidJson:
      return "invalid_json";
    case ErrorCode::kModelMissing:
      return "model_missing";
    case ErrorCode::kModelNotString:
      return "model_not_string";
    case ErrorCode::kModelDuplicate:
      return "model_duplicate";
    default:
      return "invalid_body";
  }
}

ProxyPlan PlanProxy(const snapshot::Snapshot& snap, const Route& route, const http::Request& req,
                    const access::CallerPolicy* caller) {
  ProxyPlan plan;
  if (req.method() != net::http::verb::post) {
    return Reject(std::move(plan), 405, "method_not_allowed",
                  "use POST for " + std::string(PathOf(req.target())), Header("allow", "POST"));
  }
  auto field = FindModelField(req.body(), req.body_padding());
  if (!field) {
    return Reject(std::move(plan), 400, std::string(WireCodeForBodyError(field.error())),
                  field.error().message);
  }
  ModelChoice choice = ChooseModel(snap, route.wire, field->value);
  plan.provider = choice.provider;
  if (choice.reply) {
    plan.reply = std::move(choice.reply);
    return plan;
  }
  if (caller != nullptr) {
    if (auto refusal = Refusal(*caller, choice)) {
      return Reject(std::move(plan), 403, "caller_not_allowed", std::move(*refusal));
    }
  }
  plan = CheckProvider(std::move(plan), route, choice, caller);
  if (plan.reply) return plan;
  if (choice.rewrite) {
    plan.upstream_body = RewriteModel(req.body(), *field, choice.model);
  } else {
    plan.upstream_body = Unchanged(req.body());
  }
  return plan;
}

}  // namespace warden::proxy
