#include "config/problems.hpp"

#include <algorithm>
#include <limits>

namespace warden::config {
namespace {

bool IsBareKey(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

}  // namespace

void Problems::Add(std::string path, std::string why, ErrorCode code) {
  std::string text = path.empty() ? std::move(why) : path + ": " + why;
  items_.push_back(Problem{code, std::move(path), std::move(text)});
}

void Problems::AddUnknownKey(std::string_view parent, std::string_view key,
                             const std::vector<std::string>& known, ErrorCode code) {
  std::string path = JoinKey(parent, key);
  std::string text = "unknown key \"" + path + "\"";
  const std::string* best = nullptr;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const std::string& candidate : known) {
    std::size_t d = EditDistance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = &candidate;
    }
  }
  if (best != nullptr && best_distance <= 2) {
    text += " (did you mean \"" + JoinKey(parent, *best) + "\"?)";
  }
  items_.push_back(Problem{code, std::move(path), std::move(text)});
}

bool Problems::Touches(std::string_view path) const {
  for (const Problem& p : items_) {
    if (p.path.size() < path.size() || p.path.compare(0, path.size(), path) != 0) continue;
    if (p.path.size() == path.size() || p.path[path.size()] == '.' || p.path[path.size()] == '[') {
      return true;
    }
  }
  return false;
}

Error Problems::ToError(std::string origin) const {
  ErrorCode code = ErrorCode::kConfigInvalid;
  if (!items_.empty() && items_.front().code != ErrorCode::kConfigInvalid &&
      std::all_of(items_.begin(), items_.end(),
                  [&](const Problem& p) { return p.code == items_.front().code; })) {
    code = items_.front().code;
  }
  std::string message;
  for (const Problem& p : items_) {
    if (!message.empty()) message += "; ";
    message += p.text;
  }
  return Error::Make(code, std::move(message), std::move(origin));
}

std::string JoinKey(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  if (IsBareKey(key)) {
    out += key;
  } else {
    out += '"';
    for (char c : key) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

std::string JoinIndex(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace warden::config
