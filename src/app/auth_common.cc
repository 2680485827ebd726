#include "app/auth_common.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/environment.hpp"
#include "base/warden_home.hpp"
#include "control/effective_config.hpp"

namespace warden::app {

Result<creds::ProfileStore> OpenProfileStore() {
  ProcessEnvironment env;
  auto home = CheckedWardenHome(env);
  if (!home) return home.error();
  return creds::ProfileStore::InHome(*home);
}

int AuthFail(std::string_view verb, const Error& error) {
  std::fprintf(stderr, "warden auth %.*s: %s\n", static_cast<int>(verb.size()), verb.data(),
               error.ToString().c_str());
  return 1;
}

Error NotFound(const creds::ProfileDocument& doc, const std::string& id) {
  std::vector<std::string> ids;
  for (const auto& [known, p] : doc.profiles) ids.push_back(known);
  std::string have = ids.empty() ? std::string("the store has none")
                                 : fmt::format("profiles: {}", fmt::join(ids, ", "));
  return Error::Make(ErrorCode::kProfileNotFound,
                     "no profile " + id + " (" + have + "; see `warden auth list`)", id);
}

Result<void> CheckOrder(const creds::ProfileDocument& doc, const std::string& provider,
                        const std::vector<std::string>& ids) {
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (auto ok = creds::CheckProfileId(id); !ok) return ok.error();
    auto it = doc.profiles.find(id);
    if (it == doc.profiles.end()) return NotFound(doc, id);
    if (it->second.provider != provider) {
      return Error::Make(
          ErrorCode::kProfileInvalid,
          "profile " + id + " belongs to provider " + it->second.provider + ", not " + provider,
          id);
    }
    if (!seen.insert(id).second) {
      return Error::Make(ErrorCode::kProfileInvalid, "profile " + id + " is listed twice", id);
    }
  }
  return Ok();
}

boost::json::object OrderJson(const creds::ProfileDocument& doc) {
  boost::json::object order;
  for (const auto& [provider, ids] : doc.order) {
    boost::json::array list;
    for (const auto& id : ids) list.emplace_back(id);
    order[provider] = std::move(list);
  }
  return order;
}

std::optional<std::string> UnconfiguredProviderNote(const CommonOptions& common,
                                                    const std::string& provider) {
  ProcessEnvironment env;
  auto effective = control::LoadEffectiveConfig(common.config_path, env);
  if (!effective) return std::nullopt;
  const auto& providers = effective->config->providers;
  const bool known = std::any_of(providers.begin(), providers.end(),
                                 [&](const auto& p) { return p.id == provider; });
  if (known) return std::nullopt;
  return "the config (" + effective->config->origin + ") has no [providers." + provider +
         "]; the profile is kept, and used once that provider is configured";
}

}  // namespace warden::app
