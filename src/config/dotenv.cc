#include "config/dotenv.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cstdlib>

#include "base/private_file.hpp"
#include "base/strings.hpp"

namespace warden::config {

namespace {

bool ValidName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

Result<std::map<std::string, std::string>> ParseDotenv(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line = TrimWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = TrimWhitespace(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return Error::Make(ErrorCode::kDotenvInvalid,
                         "line " + std::to_string(line_no) + ": expected KEY=VALUE");
    std::string_view name = TrimWhitespace(line.substr(0, eq));
    if (!ValidName(name))
      return Error::Make(ErrorCode::kDotenvInvalid,
                         "line " + std::to_string(line_no) + ": invalid variable name");
    std::string_view raw = TrimWhitespace(line.substr(eq + 1));
    std::string value;
    if (!raw.empty() && (raw.front() == '\'' || raw.front() == '"')) {
      char q = raw.front();
      std::size_t i = 1;
      bool closed = false;
      for (; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == q) {
          closed = true;
          break;
        }
        if (q == '"' && c == '\\' && i + 1 < raw.size()) {
          char n = raw[++i];
          value += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
        } else {
          value += c;
        }
      }
      if (!closed)
        return Error::Make(ErrorCode::kDotenvInvalid,
                           "line " + std::to_string(line_no) + ": unterminated quote");
      std::string_view rest = TrimWhitespace(raw.substr(i + 1));
      if (!rest.empty() && rest.front() != '#')
        return Error::Make(ErrorCode::kDotenvInvalid,
                           "line " + std::to_string(line_no) + ": text after closing quote");
    } else {
      // Unquoted: a " #" starts a comment.
      auto hash = raw.find(" #");
      value = std::string(TrimWhitespace(raw.substr(0, hash)));
    }
    out[std::string(name)] = std::move(value);
  }
  return out;
}

Result<int> LoadDotenvInto(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  // It sets provider keys and WARDEN_* variables: only the user (or root) may write it.
  auto text = ReadTrustedFile(path, 1 << 20, "dotenv file", TrustedOwner::kUserOrRoot);
  if (!text) return text.error();
  auto vars = ParseDotenv(*text);
  if (!vars) return vars.error().Wrap(path).WithContext(path);
  int set = 0;
  for (const auto& [k, v] : *vars) {
    if (std::getenv(k.c_str()) != nullptr) continue;  // the process environment wins
    ::setenv(k.c_str(), v.c_str(), 0);
    ++set;
  }
  return set;
}

}  // namespace warden::config
