#include "control/jwks_source.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <boost/url.hpp>
#include <spdlog/spdlog.h>

#include "base/atomic_file.hpp"
#include "crypto/jwk.hpp"
#include "http/http_get.hpp"
#include "http/tls_context.hpp"

namespace warden::control {

namespace asio = net::asio;

namespace {

config::UpstreamConfig FetchPoolConfig() {
  config::UpstreamConfig cfg;
  cfg.connect_timeout = JwksSource::kFetchTimeout;
  cfg.max_connections_per_origin = 2;
  return cfg;
}

// https, or http to a loopback host: keys fetched over plain http from elsewhere could be
// swapped by anyone on the path. (Validation applies the same rule to the configured URLs.)
bool KeyUrlAllowed(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return false;
  if (parsed->scheme_id() == boost::urls::scheme::https) return true;
  if (parsed->scheme_id() != boost::urls::scheme::http) return false;
  const std::string host(parsed->host_address());
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// The jwks_uri of an OIDC discovery document that must name `issuer`.
Result<std::string> JwksUriOf(const std::string& document, const std::string& issuer) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(document, ec);
  if (ec || !v.is_object()) {
    return Error::Make(ErrorCode::kJwksInvalid, "OIDC discovery document is not a JSON object");
  }
  const auto& o = v.get_object();
  const auto* iss = o.if_contains("issuer");
  if (iss == nullptr || !iss->is_string() || iss->get_string() != issuer) {
    return Error::Make(ErrorCode::kJwksInvalid,
                       "OIDC discovery document names another issuer than gateway.auth.jwt.issuer");
  }
  const auto* uri = o.if_contains("jwks_uri");
  if (uri == nullptr || !uri->is_string()) {
    return Error::Make(ErrorCode::kJwksInvalid, "OIDC discovery document has no jwks_uri");
  }
  std::string url(uri->get_string());
  if (!KeyUrlAllowed(url)) {
    return Error::Make(ErrorCode::kJwksInvalid,
                       "OIDC discovery jwks_uri is not https (http only for a loopback host)");
  }
  return url;
}

}  // namespace

JwksSource::JwksSource(asio::any_io_executor control, const Clock& clock)
    : control_(control),
      clock_(clock),
      store_(std::make_shared<access::JwksStore>(
          [this] { asio::post(control_, [this] { Wake(); }); })),
      pool_(control, http::MakeClientTlsContext(), FetchPoolConfig()),
      wake_(control) {}

JwksSource::~JwksSource() { Stop(); }

void JwksSource::Stop() {
  stopped_ = true;
  wake_.cancel();
  for (auto& c : cancels_) c->emit(asio::cancellation_type::terminal);
}

void JwksSource::Wake() {
  refetch_pending_ = true;
  wake_.cancel();
}

std::string JwksSource::SourceKey(const config::JwtAuthConfig& cfg) const {
  if (!cfg.jwks_file.empty()) return "file:" + cfg.jwks_file;
  if (!cfg.jwks_url.empty()) return "url:" + cfg.jwks_url;
  return "discovery:" + cfg.issuer;
}

Result<void> JwksSource::Configure(const config::JwtAuthConfig& cfg) {
  std::string key = SourceKey(cfg);
  cfg_ = cfg;
  if (key == source_key_) return {};
  if (!source_key_.empty())
    spdlog::info("gateway.auth.jwt: the key source changed; reloading keys");
  source_key_ = std::move(key);
  ++run_;
  wake_.cancel();
  store_->Clear();
  if (!cfg_.jwks_file.empty()) return LoadFile();
  cancels_.push_back(std::make_unique<asio::cancellation_signal>());
  asio::co_spawn(control_, Loop(run_),
                 asio::bind_cancellation_slot(cancels_.back()->slot(), [](std::exception_ptr e) {
                   if (e) spdlog::error("JWKS fetcher stopped by an exception");
                 }));
  return {};
}

Result<crypto::JwkSet> JwksSource::ReadFile(const std::string& path) {
  auto text = ReadWholeFile(path, crypto::kMaxJwksBytes);
  if (!text) return text.error().Wrap("gateway.auth.jwt.jwks_file");
  auto keys = crypto::ParseJwks(*text);
  if (!keys) return keys.error().Wrap("gateway.auth.jwt.jwks_file");
  return keys;
}

Result<void> JwksSource::Check(const config::JwtAuthConfig& cfg) const {
  if (cfg.jwks_file.empty() || SourceKey(cfg) == source_key_) return {};
  auto keys = ReadFile(cfg.jwks_file);
  if (!keys) return keys.error();
  return {};
}

Result<void> JwksSource::LoadFile() {
  auto keys = ReadFile(cfg_.jwks_file);
  if (!keys) return keys.error();
  spdlog::info("loaded {} JWT signing key(s) from {} ({} skipped)", keys->keys.size(),
               cfg_.jwks_file, keys->skipped);
  store_->Publish(std::make_shared<const crypto::JwkSet>(std::move(*keys)), cfg_.jwks_file,
                  clock_.NowMs());
  return {};
}

void JwksSource::ReloadFile() {
  if (cfg_.jwks_file.empty()) return;
  if (auto loaded = LoadFile(); !loaded) {
    store_->SetError(loaded.error().ToString());
    spdlog::error("cannot reload the JWKS file; keeping the present keys: {}",
                  loaded.error().ToString());
  }
}

net::Task<Result<std::string>> JwksSource::JwksUrl() {
  if (!cfg_.jwks_url.empty()) co_return cfg_.jwks_url;
  std::string base = cfg_.issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto doc = co_await http::HttpGet(pool_, base + "/.well-known/openid-configuration",
                                    crypto::kMaxJwksBytes, kFetchTimeout);
  if (!doc) co_return doc.error().Wrap("OIDC discovery");
  co_return JwksUriOf(*doc, cfg_.issuer);
}

net::Task<Result<JwksSource::Fetched>> JwksSource::FetchOnce() {
  auto url = co_await JwksUrl();
  if (!url) co_return url.error();
  auto doc = co_await http::HttpGet(pool_, *url, crypto::kMaxJwksBytes, kFetchTimeout);
  if (!doc) co_return doc.error().Wrap("JWKS fetch");
  auto keys = crypto::ParseJwks(*doc);
  if (!keys) co_return keys.error();
  co_return Fetched{std::move(*keys), std::move(*url)};
}

net::Task<void> JwksSource::Loop(std::uint64_t run) {
  std::chrono::milliseconds backoff = kFirstBackoff;
  while (!stopped_ && run == run_) {
    refetch_pending_ = false;
    auto fetched = co_await FetchOnce();
    if (stopped_ || run != run_) co_return;
    std::chrono::milliseconds wait = kRefreshInterval;
    if (fetched) {
      spdlog::info("fetched {} JWT signing key(s) from {} ({} skipped)", fetched->keys.keys.size(),
                   fetched->url, fetched->keys.skipped);
      store_->Publish(std::make_shared<const crypto::JwkSet>(std::move(fetched->keys)),
                      fetched->url, clock_.NowMs());
      backoff = kFirstBackoff;
    } else {
      store_->SetError(fetched.error().ToString());
      if (store_->generation() != 0) {
        spdlog::warn("JWKS refetch failed; keeping the cached keys: {}",
                     fetched.error().ToString());
      } else {
        wait = backoff;
        backoff = std::min(backoff * 2, kMaxBackoff);
        spdlog::error(
            "no JWT signing keys yet (requests get 503 jwks_unavailable); retry in {}s: {}",
            (wait.count() + 999) / 1000, fetched.error().ToString());
      }
    }
    if (refetch_pending_) continue;
    wake_.expires_after(wait);
    co_await wake_.async_wait(net::kUseTuple);
  }
}

}  // namespace warden::control
