#include "config/default_config.hpp"

namespace warden::config {
namespace {

// Every provider is enabled only when a credential for it resolves (`enabled` left unset), so
// listing four costs nothing for a user who has keys for one. No gateway token key: the token
// comes from --token, WARDEN_GATEWAY_TOKEN or $WARDEN_HOME/gateway.token (generated on first
// start), so a fresh install is never open. The [models] rules route the bare names agent CLIs
// send to the provider that serves them, so Claude Code and Codex work without a model setting.
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

# Bare model names (what Claude Code, Codex and the SDKs send) → provider; first match wins.
# openrouter and vercel stay explicit: "openrouter/anthropic/claude-sonnet-4-5".
[models]
"claude-*" = "anthropic"
"gpt-*" = "openai"
"chatgpt-*" = "openai"
"o1*" = "openai"
"o3*" = "openai"
"o4*" = "openai"
"codex-*" = "openai"
"computer-use-*" = "openai"
"text-embedding-*" = "openai"
"davinci-*" = "openai"
"babbage-*" = "openai"
)toml";

}  // namespace

std::string_view EmbeddedDefaultToml() { return kDefaultToml; }

}  // namespace warden::config
