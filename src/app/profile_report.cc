#include "app/profile_report.hpp"

#include <fmt/format.h>

#include "base/iso_time.hpp"
#include "config/duration.hpp"

namespace warden::app {
namespace {

// A coarse duration for people: minutes when over one, else seconds.
std::string Coarse(std::int64_t ms) {
  constexpr std::int64_t kMinute = 60 * 1000;
  if (ms >= kMinute) ms -= ms % kMinute;
  if (ms < kMinute) ms -= ms % 1000;
  return config::FormatDuration(config::Duration(ms));
}

}  // namespace

std::string ExpiryText(const std::optional<std::int64_t>& expires_ms, std::int64_t now_ms) {
  if (!expires_ms) return "never";
  const std::int64_t left = *expires_ms - now_ms;
  if (left <= 0) return FormatIsoTime(*expires_ms) + " (expired " + Coarse(-left) + " ago)";
  return FormatIsoTime(*expires_ms) + " (in " + Coarse(left) + ")";
}

boost::json::object ProfileJson(const creds::Profile& p, std::int64_t now_ms) {
  const creds::ProfileHealth health = creds::AssessProfile(p, now_ms);
  boost::json::object o;
  o["id"] = p.id;
  o["type"] = creds::ProfileTypeName(p.type);
  o["provider"] = p.provider;
  if (p.expires_ms) {
    o["expires_at"] = *p.expires_ms;
    o["expires"] = FormatIsoTime(*p.expires_ms);
  } else {
    o["expires_at"] = nullptr;
    o["expires"] = nullptr;
  }
  o["state"] = creds::ProfileExpiryName(health.expiry);
  o["refreshable"] = p.Refreshable();
  o["needs_login"] = health.needs_login;
  if (!p.account_id.empty()) o["account_id"] = p.account_id;
  if (!p.email.empty()) o["email"] = p.email;
  return o;
}

std::string ProfileLine(const creds::Profile& p, std::int64_t now_ms) {
  const creds::ProfileHealth health = creds::AssessProfile(p, now_ms);
  std::string line = fmt::format("{:<28} {:<8} expires {}", p.id, creds::ProfileTypeName(p.type),
                                 ExpiryText(p.expires_ms, now_ms));
  if (health.expiry == creds::ProfileExpiry::kExpiring) line += " EXPIRING";
  if (p.Refreshable()) line += "  refreshable";
  if (health.needs_login) line += "  NEEDS LOGIN";
  if (!p.account_id.empty()) line += "  account " + p.account_id;
  if (!p.email.empty()) line += "  " + p.email;
  return line;
}

ProfilesReport ReportProfiles(const Result<creds::ProfileStore>& store,
                              const std::set<std::string>& configured, std::int64_t now_ms) {
  ProfilesReport out;
  auto doc = store ? store->Load() : Result<creds::ProfileDocument>(store.error());
  if (store) out.json["store"] = store->path();
  if (!doc) {
    out.json["error"] = {{"code", doc.error().CodeName()}, {"message", doc.error().message}};
    out.text = "profiles: error: " + doc.error().ToString() + "\n";
    out.exit_code = 1;
    return out;
  }
  boost::json::array profiles;
  out.text = fmt::format("profiles ({}):{}\n", store->path(), doc->profiles.empty() ? " none" : "");
  for (const auto& [id, p] : doc->profiles) {
    const bool known = configured.count(p.provider) != 0;
    boost::json::object o = ProfileJson(p, now_ms);
    o["configured"] = known;
    profiles.push_back(std::move(o));
    out.text += "  " + ProfileLine(p, now_ms);
    if (!known) out.text += "  (provider not configured: not counted)";
    out.text += "\n";
    if (!known) continue;
    const creds::ProfileExpiry expiry = creds::AssessProfile(p, now_ms).expiry;
    if (expiry == creds::ProfileExpiry::kExpired) out.exit_code = 1;
    if (expiry == creds::ProfileExpiry::kExpiring && out.exit_code == 0) out.exit_code = 2;
  }
  out.json["profiles"] = std::move(profiles);
  return out;
}

}  // namespace warden::app
