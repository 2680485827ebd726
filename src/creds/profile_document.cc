#include "creds/profile_document.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/json.hpp>

#include "config/validate.hpp"
#include "crypto/crypto.hpp"
#include "secrets/header_value.hpp"

namespace warden::creds {
namespace {

namespace json = boost::json;

constexpr ErrorCode kInvalid = ErrorCode::kProfileInvalid;
constexpr ErrorCode kCorrupt = ErrorCode::kProfileStoreCorrupt;
// The latest time accepted for `expires`: 9999-12-31T23:59:59.999Z.
constexpr std::int64_t kMaxExpiresMs = 253402300799999;

struct TypeEntry {
  ProfileType type;
  std::string_view name;
  std::string_view value_field;  // where the credential value lives
};
constexpr TypeEntry kTypes[] = {
    {ProfileType::kApiKey, "api_key", "key"},
    {ProfileType::kToken, "token", "token"},
    {ProfileType::kOAuth, "oauth", "access"},
};

const TypeEntry& EntryOf(ProfileType type) {
  for (const auto& e : kTypes) {
    if (e.type == type) return e;
  }
  return kTypes[0];
}

// Whether every number in `v` can be written back as JSON. Boost.JSON reads a number beyond
// double's range (1e400) as infinity and would write it as `Infinity`, which no parser reads:
// a store kept with such a value would be written unreadable.
bool WritableBack(const json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) {
    return std::all_of(v.get_array().begin(), v.get_array().end(),
                       [](const json::value& e) { return WritableBack(e); });
  }
  if (v.is_object()) {
    return std::all_of(v.get_object().begin(), v.get_object().end(),
                       [](const json::key_value_pair& e) { return WritableBack(e.value()); });
  }
  return true;
}

Error Invalid(std::string_view id, const std::string& why) {
  return Error::Make(kInvalid, "profile " + std::string(id) + ": " + why, std::string(id));
}

// An optional string field: nullopt when absent, an error when present but not a string.
Result<std::optional<std::string>> StringField(std::string_view id, const json::object& o,
                                               std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return Invalid(id, "\"" + std::string(field) + "\" must be a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

// A required credential value: a non-empty string that could go into an HTTP header.
Result<Secret> SecretField(std::string_view id, const json::object& o, std::string_view field) {
  auto s = StringField(id, o, field);
  if (!s) return s.error();
  if (!*s || (*s)->empty()) {
    return Invalid(id, "\"" + std::string(field) + "\" is missing or empty");
  }
  Secret value(std::move(**s));
  std::string what = "profile " + std::string(id) + " field " + std::string(field);
  if (auto ok = secrets::CheckHeaderValue(value.Reveal(), what); !ok) {
    return Error::Make(kInvalid, ok.error().message, std::string(id));
  }
  return value;
}

Result<std::optional<std::int64_t>> ExpiresField(std::string_view id, const json::object& o) {
  const json::value* v = o.if_contains("expires");
  if (v == nullptr || v->is_null()) return std::optional<std::int64_t>();
  std::optional<std::int64_t> ms;
  if (v->is_int64()) ms = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= std::uint64_t(kMaxExpiresMs)) {
    ms = std::int64_t(v->get_uint64());
  }
  if (v->is_double()) {
    double d = v->get_double();
    if (std::isfinite(d) && d == std::floor(d) && d >= 0 && d <= double(kMaxExpiresMs)) {
      ms = std::int64_t(d);
    }
  }
  if (!ms || *ms < 0 || *ms > kMaxExpiresMs) {
    return Invalid(id, "\"expires\" must be a time in milliseconds since the epoch");
  }
  return ms;
}

bool IsKnownField(ProfileType type, std::string_view field) {
  if (field == "type" || field == "provider" || field == "email") return true;
  if (field == "expires") return type != ProfileType::kApiKey;
  if (field == EntryOf(type).value_field) return true;
  return type == ProfileType::kOAuth && (field == "refresh" || field == "accountId");
}

Result<ProfileType> TypeField(std::string_view id, const json::object& o) {
  auto t = StringField(id, o, "type");
  if (!t) return t.error();
  if (*t) {
    for (const auto& e : kTypes) {
      if (e.name == **t) return e.type;
    }
  }
  return Invalid(id, "\"type\" must be \"api_key\", \"token\" or \"oauth\"");
}

// The optional plain-string fields and the refresh token.
Result<void> ReadDetails(std::string_view id, const json::object& o, Profile& p) {
  auto email = StringField(id, o, "email");
  if (!email) return email.error();
  p.email = email->value_or("");
  if (p.type != ProfileType::kOAuth) return Ok();
  auto account = StringField(id, o, "accountId");
  if (!account) return account.error();
  p.account_id = account->value_or("");
  auto refresh = StringField(id, o, "refresh");
  if (!refresh) return refresh.error();
  if (*refresh && !(*refresh)->empty()) {
    auto r = SecretField(id, o, "refresh");
    if (!r) return r.error();
    p.refresh = std::move(*r);
  }
  if (!p.expires_ms) return Invalid(id, "an oauth profile needs \"expires\"");
  return Ok();
}

Error Corrupt(const std::string& origin, const std::string& why) {
  return Error::Make(kCorrupt,
                     "profile store " + origin + " is unusable: " + why +
                         "; it was left as it is: fix or move it aside (warden never overwrites "
                         "a store it cannot read)",
                     origin);
}

Result<void> ParseOrder(const json::value& v, const std::string& origin, ProfileDocument& doc) {
  if (!v.is_object()) return Corrupt(origin, "\"order\" is not an object");
  for (const auto& [provider, ids] : v.get_object()) {
    if (!config::IsProviderId(provider)) {
      return Corrupt(origin, "\"order\" has an invalid provider id");
    }
    if (!ids.is_array()) {
      return Corrupt(origin, "\"order\"." + std::string(provider) + " is not an array");
    }
    auto& list = doc.order[std::string(provider)];
    for (const auto& id : ids.get_array()) {
      if (!id.is_string() || !CheckProfileId(id.get_string())) {
        return Corrupt(origin,
                       "\"order\"." + std::string(provider) + " holds an invalid profile id");
      }
      list.emplace_back(id.get_string());
    }
  }
  return Ok();
}

}  // namespace

std::string_view ProfileTypeName(ProfileType type) { return EntryOf(type).name; }

bool MarkedNeedsLogin(const Profile& profile) {
  const json::value* v = profile.extra.if_contains(kNeedsLoginField);
  return v != nullptr && v->is_bool() && v->get_bool();
}

ProfileHealth AssessProfile(const Profile& profile, std::int64_t now_ms) {
  ProfileHealth health;
  health.needs_login = MarkedNeedsLogin(profile);
  if (!profile.expires_ms) return health;
  const std::int64_t left = *profile.expires_ms - now_ms;
  const std::int64_t margin =
      profile.Refreshable() ? kRefreshableExpiringWithinMs : kExpiringWithinMs;
  if (left <= 0) {
    health.expiry = ProfileExpiry::kExpired;
    health.needs_login = NeedsLogin(health.needs_login, profile.Refreshable(), true);
  } else {
    health.expiry = left <= margin ? ProfileExpiry::kExpiring : ProfileExpiry::kValid;
  }
  return health;
}

std::string_view ProfileExpiryName(ProfileExpiry expiry) {
  switch (expiry) {
    case ProfileExpiry::kNever:
      return "never";
    case ProfileExpiry::kValid:
      return "valid";
    case ProfileExpiry::kExpiring:
      return "expiring";
    case ProfileExpiry::kExpired:
      return "expired";
  }
  return "";
}

bool IsProfileName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '@' || c == '+' || c == '-';
  });
}

std::optional<ProfileIdParts> SplitProfileId(std::string_view id) {
  auto colon = id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  ProfileIdParts parts{std::string(id.substr(0, colon)), std::string(id.substr(colon + 1))};
  if (!config::IsProviderId(parts.provider) || !IsProfileName(parts.name)) return std::nullopt;
  return parts;
}

Result<void> CheckProfileId(std::string_view id) {
  if (SplitProfileId(id)) return Ok();
  std::string shown =
      id.size() <= 200 && secrets::CheckHeaderValue(id, "id") ? std::string(id) : std::string("?");
  return Error::Make(kInvalid,
                     "profile id \"" + shown +
                         "\" must be provider:name (provider ^[a-z0-9][a-z0-9_.-]{0,63}$, name "
                         "[A-Za-z0-9._@+-]{1,128})",
                     shown);
}

Result<Profile> ParseProfile(std::string_view id, const json::value& cred) {
  auto parts = SplitProfileId(id);
  if (!parts) return CheckProfileId(id).error();
  if (!cred.is_object()) return Invalid(id, "is not an object");
  const json::object& o = cred.get_object();
  Profile p;
  p.id = std::string(id);
  auto type = TypeField(id, o);
  if (!type) return type.error();
  p.type = *type;
  auto provider = StringField(id, o, "provider");
  if (!provider) return provider.error();
  if (!*provider || **provider != parts->provider) {
    return Invalid(id, "\"provider\" must be \"" + parts->provider + "\", as in its id");
  }
  p.provider = parts->provider;
  auto value = SecretField(id, o, EntryOf(p.type).value_field);
  if (!value) return value.error();
  p.secret = std::move(*value);
  if (p.type != ProfileType::kApiKey) {
    auto expires = ExpiresField(id, o);
    if (!expires) return expires.error();
    p.expires_ms = *expires;
  }
  if (auto ok = ReadDetails(id, o, p); !ok) return ok.error();
  for (const auto& [key, v] : o) {
    if (IsKnownField(p.type, key)) continue;
    if (!WritableBack(v)) return Invalid(id, "a field holds a number too large for JSON");
    p.extra[key] = v;
  }
  return p;
}

Result<ProfileDocument> ParseProfileDocument(std::string_view text, const std::string& origin) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return Corrupt(origin, "it is not valid JSON (truncated or edited?)");
  if (!root.is_object()) return Corrupt(origin, "it is not a JSON object");
  const json::object& o = root.get_object();
  const json::value* version = o.if_contains("version");
  if (version == nullptr || !version->is_number() ||
      version->to_number<double>() != kProfileStoreVersion) {
    return Corrupt(origin, "\"version\" must be 1 (a store written by a newer or older format)");
  }
  ProfileDocument doc;
  if (const json::value* profiles = o.if_contains("profiles")) {
    if (!profiles->is_object()) return Corrupt(origin, "\"profiles\" is not an object");
    for (const auto& [id, cred] : profiles->get_object()) {
      auto p = ParseProfile(id, cred);
      if (!p) return Corrupt(origin, p.error().message);
      doc.profiles.emplace(p->id, std::move(*p));
    }
  }
  if (const json::value* order = o.if_contains("order")) {
    if (auto ok = ParseOrder(*order, origin, doc); !ok) return ok.error();
  }
  for (const auto& [key, v] : o) {
    if (key == "version" || key == "profiles" || key == "order") continue;
    if (!WritableBack(v)) return Corrupt(origin, "a field holds a number too large for JSON");
    doc.extra[key] = v;
  }
  return doc;
}

json::object ProfileToJson(const Profile& p) {
  json::object o;
  o["type"] = ProfileTypeName(p.type);
  o["provider"] = p.provider;
  o[EntryOf(p.type).value_field] = p.secret.Reveal();
  if (p.type == ProfileType::kOAuth) o["refresh"] = p.refresh.Reveal();
  if (p.expires_ms) o["expires"] = *p.expires_ms;
  if (!p.account_id.empty()) o["accountId"] = p.account_id;
  if (!p.email.empty()) o["email"] = p.email;
  for (const auto& [key, v] : p.extra) o[key] = v;
  return o;
}

std::string SerializeProfileDocument(const ProfileDocument& doc) {
  json::object root;
  root["version"] = kProfileStoreVersion;
  json::object profiles;
  for (const auto& [id, p] : doc.profiles) profiles[id] = ProfileToJson(p);
  root["profiles"] = std::move(profiles);
  json::object order;
  for (const auto& [provider, ids] : doc.order) {
    json::array list;
    for (const auto& id : ids) list.emplace_back(id);
    order[provider] = std::move(list);
  }
  root["order"] = std::move(order);
  for (const auto& [key, v] : doc.extra) root[key] = v;
  return json::serialize(root) + "\n";
}

bool SameCredential(const Profile& a, const Profile& b) {
  // Both comparisons always run, so the time taken does not say which value differed.
  const bool secret_same = crypto::ConstantTimeEquals(a.secret.Reveal(), b.secret.Reveal());
  const bool refresh_same = crypto::ConstantTimeEquals(a.refresh.Reveal(), b.refresh.Reveal());
  return a.type == b.type && a.provider == b.provider && secret_same && refresh_same &&
         a.expires_ms == b.expires_ms && a.account_id == b.account_id;
}

}  // namespace warden::creds
