// What the `warden auth` verbs share: the home's profile store, their error style, the order
// checks and the note about a provider the config does not have.
// Ownership: plain values. Thread safety: call from main's thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "app/verbs.hpp"
#include "base/result.hpp"
#include "creds/profile_store.hpp"

namespace warden::app {

// The store of $WARDEN_HOME (checked: a home writable by others is FILE_INSECURE).
Result<creds::ProfileStore> OpenProfileStore();

// Prints "warden auth VERB: CODE: message (context)" to stderr; returns 1.
int AuthFail(std::string_view verb, const Error& error);

// PROFILE_NOT_FOUND for `id`, listing the ids the store holds (ids are not secrets).
Error NotFound(const creds::ProfileDocument& doc, const std::string& id);

// `ids` may become the order of `provider`: each exists, belongs to it, appears once.
Result<void> CheckOrder(const creds::ProfileDocument& doc, const std::string& provider,
                        const std::vector<std::string>& ids);

// {"provider":[ids]} of the document.
boost::json::object OrderJson(const creds::ProfileDocument& doc);

// A note when the config (as `serve` would load it) has no [providers.ID]: the profile is kept
// but not used until it has. nullopt when it has, or when the config cannot be loaded (the
// verbs about the store do not depend on the config).
std::optional<std::string> UnconfiguredProviderNote(const CommonOptions& common,
                                                    const std::string& provider);

}  // namespace warden::app
