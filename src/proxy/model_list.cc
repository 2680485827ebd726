#include "proxy/model_list.hpp"

#include <boost/json.hpp>

#include "proxy/model_routing.hpp"

namespace warden::proxy {

namespace {

// Warden does not know when a provider released a model; both shapes require a time.
constexpr std::string_view kUnknownCreatedAt = "1970-01-01T00:00:00Z";

struct Entry {
  std::string id;
  std::string display_name;
  const snapshot::ProviderRuntime* provider;
};

bool MayUse(const access::CallerPolicy* caller, const snapshot::ModelRoutes::Alias& alias,
            const snapshot::ProviderRuntime& provider) {
  if (!provider.enabled) return false;
  return caller == nullptr || !access::PolicyRefusal(*caller, provider.id, alias.target);
}

std::vector<Entry> Entries(const snapshot::Snapshot& snap, const access::CallerPolicy* caller,
                           WireFormat shape) {
  const bool anthropic_only = shape == WireFormat::kAnthropic;
  std::vector<Entry> out;
  for (const snapshot::ProviderRuntime& p : snap.providers) {
    if (anthropic_only && !Speaks(p, WireFormat::kAnthropic)) continue;
    for (std::string& id : ModelIdsFor(p, caller)) {
      std::string display = p.id + ": " + (id == p.id + "/*" ? "any model" : id);
      out.push_back(Entry{std::move(id), std::move(display), &p});
    }
  }
  for (const snapshot::ModelRoutes::Alias& alias : snap.models.aliases) {
    const snapshot::ProviderRuntime& p = snap.providers[alias.provider];
    if (anthropic_only && !Speaks(p, WireFormat::kAnthropic)) continue;
    if (!MayUse(caller, alias, p)) continue;
    out.push_back(Entry{alias.name, alias.name + " (" + alias.target + ")", &p});
  }
  return out;
}

std::string AnthropicBody(const std::vector<Entry>& entries) {
  boost::json::array data;
  for (const Entry& e : entries) {
    boost::json::object m;
    m["type"] = "model";
    m["id"] = e.id;
    m["display_name"] = e.display_name;
    m["created_at"] = kUnknownCreatedAt;
    data.push_back(std::move(m));
  }
  boost::json::object root;
  root["data"] = std::move(data);
  root["has_more"] = false;
  if (entries.empty()) {
    root["first_id"] = nullptr;
    root["last_id"] = nullptr;
  } else {
    root["first_id"] = entries.front().id;
    root["last_id"] = entries.back().id;
  }
  return boost::json::serialize(root);
}

std::string OpenAiBody(const std::vector<Entry>& entries) {
  boost::json::array data;
  for (const Entry& e : entries) {
    boost::json::object m;
    m["id"] = e.id;
    m["object"] = "model";
    m["created"] = 0;
    m["owned_by"] = e.provider->id;
    m["api"] = e.provider->api == config::Api::kAnthropic ? "anthropic" : "openai";
    data.push_back(std::move(m));
  }
  boost::json::object root;
  root["object"] = "list";
  root["data"] = std::move(data);
  return boost::json::serialize(root);
}

}  // namespace

std::vector<std::string> ModelIdsFor(const snapshot::ProviderRuntime& provider,
                                     const access::CallerPolicy* caller) {
  std::vector<std::string> out;
  if (!provider.enabled) return out;
  if (caller == nullptr || caller->unrestricted || !caller->models) {
    if (caller == nullptr || caller->AllowsProvider(provider.id)) out.push_back(provider.id + "/*");
    return out;
  }
  if (!caller->AllowsProvider(provider.id)) return out;
  const std::string prefix = provider.id + "/";
  for (const std::string& glob : *caller->models) {
    if (glob.compare(0, prefix.size(), prefix) == 0) out.push_back(glob);
  }
  return out;
}

std::string ModelListBody(const snapshot::Snapshot& snap, const access::CallerPolicy* caller,
                          WireFormat shape) {
  const std::vector<Entry> entries = Entries(snap, caller, shape);
  return shape == WireFormat::kAnthropic ? AnthropicBody(entries) : OpenAiBody(entries);
}

}  // namespace warden::proxy
