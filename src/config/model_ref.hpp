// ModelRef: "provider/model[@profile]" as written by callers (and as [models.aliases] targets
// are written in the config, which is why it lives in the config layer).
//
// The provider is everything before the first "/"; the profile is introduced by the first "@"
// after the last "/" — unless what follows it is an 8-digit date or a quantisation tag
// ("q4_k_m", "iq4_xs", "8bit"), which stay part of the model (as OpenClaw does).
// Ownership: a parsed ModelRef holds string_views into the caller's string, which must outlive it.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace warden::config {

struct ModelRef {
  std::string_view provider;
  std::string_view model;    // what the upstream receives
  std::string_view profile;  // empty when none
};

// nullopt when there is no "/" or a part is empty.
std::optional<ModelRef> ParseModelRef(std::string_view text);

// A bare name (no "/"), "model[@profile]", with the same "@" rule; provider stays empty. A name
// whose "@" would leave the model or the profile empty is all model.
ModelRef ParseBareModel(std::string_view text);

}  // namespace warden::config
