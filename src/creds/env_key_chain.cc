#include "creds/env_key_chain.hpp"

#include <algorithm>
#include <set>

namespace warden::creds {

namespace {

void Add(std::vector<EnvKey>& out, std::set<std::string, std::less<>>& seen, std::string variable,
         std::string_view value) {
  if (value.empty() || seen.contains(value)) return;
  seen.emplace(value);
  out.push_back(EnvKey{std::move(variable), Secret(std::string(value))});
}

}  // namespace

std::vector<EnvKey> EnvKeyChain(std::string_view prefix, const Environment& env) {
  std::string p(prefix);
  std::vector<EnvKey> out;
  std::set<std::string, std::less<>> seen;
  if (auto live = env.Get("WARDEN_LIVE_" + p + "_KEY"); live && !live->empty()) {
    Add(out, seen, "WARDEN_LIVE_" + p + "_KEY", *live);
    return out;
  }
  if (auto list = env.Get(p + "_API_KEYS"); list) {
    std::size_t index = 0;
    std::size_t pos = 0;
    const std::string& s = *list;
    while (pos < s.size()) {
      std::size_t end = s.find_first_of(", \t\r\n;", pos);
      if (end == std::string::npos) end = s.size();
      if (end > pos) {
        Add(out, seen, p + "_API_KEYS[" + std::to_string(index) + "]",
            std::string_view(s).substr(pos, end - pos));
        ++index;
      }
      pos = end + 1;
    }
  }
  if (auto single = env.Get(p + "_API_KEY"); single) Add(out, seen, p + "_API_KEY", *single);
  const std::string numbered = p + "_API_KEY_";
  for (const std::string& name : env.Names()) {  // Names() is sorted
    if (name.size() > numbered.size() && name.starts_with(numbered)) {
      if (auto v = env.Get(name); v) Add(out, seen, name, *v);
    }
  }
  return out;
}

std::vector<std::string> EnvKeyChainNames(std::string_view prefix) {
  std::string p(prefix);
  return {p + "_API_KEY", p + "_API_KEYS", p + "_API_KEY_*", "WARDEN_LIVE_" + p + "_KEY"};
}

}  // namespace warden::creds
