#include "config/model_ref.hpp"

#include <cctype>

namespace warden::config {

namespace {

bool AllDigits(std::string_view s, std::size_t n) {
  if (s.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return s.size() == n || !std::isalnum(static_cast<unsigned char>(s[n]));
}

// "q4", "q4_k_m", "iq4_xs", "8bit", "4bit": a quantisation tag, not a profile.
bool LooksLikeQuantisation(std::string_view s) {
  std::size_t i = 0;
  if (s.starts_with("iq"))
    i = 2;
  else if (s.starts_with("q"))
    i = 1;
  if (i > 0) return s.size() > i && std::isdigit(static_cast<unsigned char>(s[i]));
  std::size_t d = 0;
  while (d < s.size() && std::isdigit(static_cast<unsigned char>(s[d]))) ++d;
  return d > 0 && s.substr(d) == "bit";
}

// The "@" that introduces the profile in `rest` (the model part), or npos.
std::size_t ProfileAt(std::string_view rest) {
  auto last_slash = rest.rfind('/');
  std::size_t search_from = last_slash == std::string_view::npos ? 0 : last_slash + 1;
  std::size_t at = rest.find('@', search_from);
  while (at != std::string_view::npos) {
    std::string_view after = rest.substr(at + 1);
    if (!AllDigits(after, 8) && !LooksLikeQuantisation(after)) break;
    at = rest.find('@', at + 1);
  }
  return at;
}

}  // namespace

ModelRef ParseBareModel(std::string_view text) {
  ModelRef ref;
  ref.model = text;
  const std::size_t at = ProfileAt(text);
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) return ref;
  ref.model = text.substr(0, at);
  ref.profile = text.substr(at + 1);
  return ref;
}

std::optional<ModelRef> ParseModelRef(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  ModelRef ref;
  ref.provider = text.substr(0, slash);
  std::string_view rest = text.substr(slash + 1);
  const std::size_t at = ProfileAt(rest);
  if (at != std::string_view::npos) {
    ref.model = rest.substr(0, at);
    ref.profile = rest.substr(at + 1);
    if (ref.profile.empty()) return std::nullopt;
  } else {
    ref.model = rest;
  }
  if (ref.model.empty()) return std::nullopt;
  return ref;
}

}  // namespace warden::config
