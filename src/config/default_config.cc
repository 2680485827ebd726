#include "config/default_config.hpp"

namespace warden::config {
namespace {

// Every provider is enabled only when a credential for it resolves (`enabled` left unset), so
// listing four costs nothing for a user who has keys for one. No gateway token key: the token
// comes from --token, WARDEN_GATEWAY_TOKEN or $WARDEN_HOME/gateway.token (generated on first
// start), so a fresh install is never open.
constexpr std::string_view kDefaultToml = R"toml(# warden embedded default configuration
[gateway]
bind = "127.0.0.1:8787"

[gateway.auth]
mode = "token"

[providers.openai]
api = "openai"
base_url = "https://api.openai.com/v1"
websockets = true   # Codex's WebSocket transport on /v1/responses

[providers.anthropic]
api = "anthropic"
base_url = "https://api.anthropic.com/v1"

[providers.openrouter]
api = "openai"
base_url = "https://openrouter.ai/api/v1"

[providers.vercel]
api = "openai"
base_url = "https://ai-gateway.vercel.sh/v1"
env_prefix = "AI_GATEWAY"   # AI_GATEWAY_API_KEY, as Vercel's own SDKs read it

[providers.vercel.federated]
token = { source = "env", id = "VERCEL_OIDC_TOKEN" }   # set by `vercel env pull` / on Vercel
)toml";

}  // namespace

std::string_view EmbeddedDefaultToml() { return kDefaultToml; }

}  // namespace warden::config
