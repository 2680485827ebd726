#include "proxy/readyz_document.hpp"

#include <limits>
#include <optional>
#include <string_view>

#include <boost/json.hpp>

namespace warden::proxy {

namespace json = boost::json;

namespace {

json::object KeyToJson(const KeyReadiness& k) {
  json::object o;
  o["fingerprint"] = k.fingerprint;
  o["source"] = k.source;
  o["usable"] = k.usable;
  if (!k.usable) {
    o["retry_in_s"] = k.retry_in_s;
    o["reason"] = k.reason;
  }
  return o;
}

json::object ProviderToJson(const ProviderReadiness& p) {
  json::object o;
  o["enabled"] = p.enabled;
  o["source"] = p.source;
  if (p.enabled) {
    o["keys"] = p.keys.size();
    o["cooling"] = p.cooling;
    json::array keys;
    for (const auto& k : p.keys) keys.push_back(KeyToJson(k));
    o["key_status"] = std::move(keys);
    if (p.federated) {
      o["expires_at"] = p.federated->expires_at;
      o["token_source"] = p.federated->token_source;
    }
    if (!p.refresh_error.empty()) o["refresh_error"] = p.refresh_error;
    if (p.profiles) {
      o["profiles"] = json::object{{"total", p.profiles->total},
                                   {"usable", p.profiles->usable},
                                   {"cooling", p.profiles->cooling},
                                   {"expired", p.profiles->expired},
                                   {"needs_login", p.profiles->needs_login}};
    }
  } else {
    o["reason"] = p.disabled_reason;
  }
  o["available"] = p.available;
  return o;
}

// Reads the fields of one JSON object. The first problem is kept in `error` (with the field's
// path); every read after it is a no-op returning a default, so callers check once at the end.
class ObjectReader {
 public:
  ObjectReader(const json::object& object, std::string path, std::optional<Error>& error)
      : object_(object), path_(std::move(path)), error_(error) {}

  bool Has(std::string_view name) const { return object_.contains(name); }

  std::string String(std::string_view name) {
    const json::value* v = Get(name);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      Fail(name, "must be a string");
      return std::string();
    }
    return std::string(v->get_string());
  }

  bool Bool(std::string_view name) {
    const json::value* v = Get(name);
    if (v == nullptr) return false;
    if (!v->is_bool()) {
      Fail(name, "must be true or false");
      return false;
    }
    return v->get_bool();
  }

  std::int64_t Int(std::string_view name) {
    const json::value* v = Get(name);
    if (v == nullptr) return 0;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() &&
        v->get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(v->get_uint64());
    Fail(name, "must be an integer");
    return 0;
  }

  std::uint64_t Count(std::string_view name) {
    const json::value* v = Get(name);
    if (v == nullptr) return 0;
    if (v->is_uint64()) return v->get_uint64();
    if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
    Fail(name, "must be a non-negative integer");
    return 0;
  }

  const json::object* Object(std::string_view name) {
    const json::value* v = Get(name);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      Fail(name, "must be an object");
      return nullptr;
    }
    return &v->get_object();
  }

  const json::array* Array(std::string_view name) {
    const json::value* v = Get(name);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) {
      Fail(name, "must be an array");
      return nullptr;
    }
    return &v->get_array();
  }

  void Fail(std::string_view name, std::string_view why) {
    if (error_) return;
    error_ = Error::Make(ErrorCode::kReadyzInvalid,
                         "/readyz document: " + Path(name) + " " + std::string(why));
  }

  std::string Path(std::string_view name) const {
    return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
  }
  bool failed() const { return error_.has_value(); }

 private:
  const json::value* Get(std::string_view name) {
    if (error_) return nullptr;
    const json::value* v = object_.if_contains(name);
    if (v == nullptr) Fail(name, "is missing");
    return v;
  }

  const json::object& object_;
  std::string path_;
  std::optional<Error>& error_;
};

KeyReadiness ParseKey(const json::value& v, const std::string& path, std::optional<Error>& error) {
  KeyReadiness k;
  if (!v.is_object()) {
    if (!error)
      error = Error::Make(ErrorCode::kReadyzInvalid,
                          "/readyz document: " + path + " must be an object");
    return k;
  }
  ObjectReader r(v.get_object(), path, error);
  k.fingerprint = r.String("fingerprint");
  k.source = r.String("source");
  k.usable = r.Bool("usable");
  if (!r.failed() && !k.usable) {
    k.retry_in_s = r.Int("retry_in_s");
    k.reason = r.String("reason");
  }
  return k;
}

void ParseEnabledProvider(ObjectReader& r, ProviderReadiness& p, std::optional<Error>& error) {
  const std::uint64_t count = r.Count("keys");
  p.cooling = r.Count("cooling");
  const json::array* keys = r.Array("key_status");
  if (keys == nullptr) return;
  for (std::size_t i = 0; i < keys->size() && !error; ++i) {
    p.keys.push_back(
        ParseKey((*keys)[i], r.Path("key_status") + "[" + std::to_string(i) + "]", error));
  }
  if (!error && count != p.keys.size()) r.Fail("keys", "does not match the length of key_status");
  if (r.Has("expires_at") || r.Has("token_source")) {
    FederatedReadiness f;
    f.expires_at = r.Int("expires_at");
    f.token_source = r.String("token_source");
    p.federated = std::move(f);
  }
  if (r.Has("refresh_error")) p.refresh_error = r.String("refresh_error");
  if (r.Has("profiles")) {
    if (const json::object* profiles = r.Object("profiles")) {
      ObjectReader pr(*profiles, r.Path("profiles"), error);
      p.profiles = ProfileReadiness{pr.Count("total"), pr.Count("usable"), pr.Count("cooling"),
                                    pr.Count("expired")};
      // Absent from a gateway older than the field: none known.
      if (pr.Has("needs_login")) p.profiles->needs_login = pr.Count("needs_login");
    }
  }
}

ProviderReadiness ParseProvider(std::string_view id, const json::value& v,
                                std::optional<Error>& error) {
  ProviderReadiness p;
  p.id = std::string(id);
  const std::string path = "providers." + p.id;
  if (!v.is_object()) {
    if (!error)
      error = Error::Make(ErrorCode::kReadyzInvalid,
                          "/readyz document: " + path + " must be an object");
    return p;
  }
  ObjectReader r(v.get_object(), path, error);
  p.enabled = r.Bool("enabled");
  p.source = r.String("source");
  p.available = r.Bool("available");
  if (r.failed()) return p;
  if (p.enabled) {
    ParseEnabledProvider(r, p, error);
  } else {
    p.disabled_reason = r.String("reason");
  }
  return p;
}

}  // namespace

json::value ToJson(const ReadyzDocument& doc) {
  json::object providers;
  for (const auto& p : doc.providers) providers[p.id] = ProviderToJson(p);
  json::object root;
  root["status"] = doc.ready ? "ready" : "unavailable";
  root["generation"] = doc.generation;
  root["config"] = doc.config;
  if (!doc.auth_mode.empty()) root["auth_mode"] = doc.auth_mode;
  root["providers"] = std::move(providers);
  if (doc.jwks) {
    json::object jwks;
    jwks["loaded"] = doc.jwks->loaded;
    jwks["keys"] = doc.jwks->keys;
    jwks["source"] = doc.jwks->source;
    if (!doc.jwks->last_error.empty()) jwks["last_error"] = doc.jwks->last_error;
    root["jwks"] = std::move(jwks);
  }
  json::object reload;
  reload["ok"] = doc.reload.ok;
  reload["failed"] = doc.reload.failed;
  if (!doc.reload.last_error.empty()) reload["last_error"] = doc.reload.last_error;
  if (!doc.reload.profile_store_error.empty())
    reload["profile_store_error"] = doc.reload.profile_store_error;
  root["reload"] = std::move(reload);
  return root;
}

Result<ReadyzDocument> ParseReadyz(const json::value& v) {
  if (!v.is_object()) {
    return Error::Make(ErrorCode::kReadyzInvalid, "/readyz document: not a JSON object");
  }
  std::optional<Error> error;
  ReadyzDocument doc;
  ObjectReader r(v.get_object(), "", error);
  const std::string status = r.String("status");
  if (!error && status != "ready" && status != "unavailable")
    r.Fail("status", "must be \"ready\" or \"unavailable\"");
  doc.ready = status == "ready";
  doc.generation = r.Count("generation");
  doc.config = r.String("config");
  if (r.Has("auth_mode")) doc.auth_mode = r.String("auth_mode");  // absent from older servers
  if (const json::object* providers = r.Object("providers")) {
    for (const auto& [id, pv] : *providers) {
      if (error) break;
      doc.providers.push_back(ParseProvider(id, pv, error));
    }
  }
  if (r.Has("jwks")) {
    if (const json::object* jwks = r.Object("jwks")) {
      ObjectReader jr(*jwks, "jwks", error);
      JwksReadiness j;
      j.loaded = jr.Bool("loaded");
      j.keys = jr.Count("keys");
      j.source = jr.String("source");
      if (jr.Has("last_error")) j.last_error = jr.String("last_error");
      doc.jwks = std::move(j);
    }
  }
  if (const json::object* reload = r.Object("reload")) {
    ObjectReader rr(*reload, "reload", error);
    doc.reload.ok = rr.Count("ok");
    doc.reload.failed = rr.Count("failed");
    if (rr.Has("last_error")) doc.reload.last_error = rr.String("last_error");
    if (rr.Has("profile_store_error"))
      doc.reload.profile_store_error = rr.String("profile_store_error");
  }
  if (error) return *error;
  return doc;
}

}  // namespace warden::proxy
