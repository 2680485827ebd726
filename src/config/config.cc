#include "config/config.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace warden::config {
namespace {

// One table per enum: the config spelling of each value.
constexpr std::array<std::pair<SecretSource, std::string_view>, 3> kSecretSourceNames{{
    {SecretSource::kEnv, "env"},
    {SecretSource::kFile, "file"},
    {SecretSource::kExec, "exec"},
}};
constexpr std::array<std::pair<FileMode, std::string_view>, 2> kFileModeNames{{
    {FileMode::kJson, "json"},
    {FileMode::kSingleValue, "single_value"},
}};

template <typename Enum, std::size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum v) {
  for (const auto& [value, name] : table) {
    if (value == v) return name;
  }
  return "?";  // unreachable: every enumerator is in its table
}

template <typename Enum, std::size_t N>
std::optional<Enum> ValueOf(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view name) {
  for (const auto& [value, spelled] : table) {
    if (spelled == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view SecretSourceName(SecretSource source) {
  return NameOf(kSecretSourceNames, source);
}
std::optional<SecretSource> ParseSecretSource(std::string_view name) {
  return ValueOf(kSecretSourceNames, name);
}
std::string_view FileModeName(FileMode mode) { return NameOf(kFileModeNames, mode); }
std::optional<FileMode> ParseFileMode(std::string_view name) {
  return ValueOf(kFileModeNames, name);
}

std::string SecretRef::Describe() const {
  return std::string(SecretSourceName(source)) + ":" + provider + ":" + id;
}

const ProviderConfig* Config::FindProvider(std::string_view id) const {
  for (const auto& p : providers) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::string_view AuthModeName(AuthMode mode) {
  switch (mode) {
    case AuthMode::kNone:
      return "none";
    case AuthMode::kToken:
      return "token";
    case AuthMode::kTrustedProxy:
      return "trusted-proxy";
    case AuthMode::kJwt:
      return "jwt";
  }
  return "?";
}

std::string EnvPrefixFor(std::string_view provider_id) {
  std::string out;
  out.reserve(provider_id.size());
  for (char c : provider_id) {
    out += (c == '-' || c == '.') ? '_' : char(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace warden::config
