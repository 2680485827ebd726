#include "proxy/planning.hpp"

#include "proxy/model_field.hpp"
#include "proxy/model_ref.hpp"

namespace warden::proxy {

namespace {

std::string EnabledList(const snapshot::Snapshot& snap) {
  return snap.enabled_names.empty() ? std::string("none") : snap.enabled_names;
}

ProxyPlan Reject(ProxyPlan plan, int status, std::string code, std::string message,
                 ExtraHeaders extra = {}) {
  plan.reply = Reply{status, std::move(code), std::move(message), std::move(extra)};
  return plan;
}

std::string DisabledMessage(const snapshot::ProviderRuntime& prov) {
  std::string message = "provider '" + prov.id + "' is disabled: " + prov.disabled_reason;
  if (!prov.how_to_enable.empty()) message += "; to enable it set " + prov.HowToEnable();
  return message;
}

std::string WireMismatchMessage(const snapshot::ProviderRuntime& prov) {
  std::string message = "provider '" + prov.id + "' speaks the ";
  message += prov.api == config::Api::kAnthropic ? "Anthropic API; use /v1/messages"
                                                 : "OpenAI API; use /v1/chat/completions";
  return message;
}

// The checks that need the provider: profile, enabled, wire format.
ProxyPlan CheckProvider(ProxyPlan plan, const Route& route, const ModelRef& ref) {
  const snapshot::ProviderRuntime& prov = *plan.provider;
  if (!ref.profile.empty()) {
    return Reject(std::move(plan), 400, "profiles_unsupported",
                  "model profiles (\"@" + std::string(ref.profile) +
                      "\") are not supported yet; drop the @ suffix");
  }
  if (!prov.enabled)
    return Reject(std::move(plan), 503, "provider_disabled", DisabledMessage(prov));
  const bool wants_anthropic = route.wire == WireFormat::kAnthropic;
  if (wants_anthropic != (prov.api == config::Api::kAnthropic)) {
    return Reject(std::move(plan), 400, "wire_format_mismatch", WireMismatchMessage(prov));
  }
  return plan;
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
  auto field = FindModelField(req.body());
  if (!field) {
    return Reject(std::move(plan), 400, std::string(WireCodeForBodyError(field.error())),
                  field.error().message);
  }
  auto ref = ParseModelRef(field->value);
  if (!ref) {
    return Reject(std::move(plan), 400, "model_invalid",
                  "model must be \"provider/model\" (e.g. \"openai/gpt-4o\"); enabled providers: " +
                      EnabledList(snap));
  }
  plan.provider = snap.FindProvider(ref->provider);
  if (plan.provider == nullptr) {
    return Reject(std::move(plan), 400, "unknown_provider",
                  "unknown provider '" + std::string(ref->provider) +
                      "'; enabled providers: " + EnabledList(snap));
  }
  if (caller != nullptr) {
    if (auto refusal = access::PolicyRefusal(*caller, ref->provider, field->value)) {
      return Reject(std::move(plan), 403, "caller_not_allowed", std::move(*refusal));
    }
  }
  plan = CheckProvider(std::move(plan), route, *ref);
  if (plan.reply) return plan;
  plan.upstream_body = ReplaceModel(req.body(), *field, ref->model);
  return plan;
}

}  // namespace warden::proxy
