// Fuzzes the dotenv parser (src/config/dotenv.{hpp,cc}): $WARDEN_HOME/.env, loaded at start.
//
// Input: the file's text. Invariants: no crash/UB/leak; every name is a valid variable name;
// errors are DOTENV_INVALID naming a line, never a value; and what was parsed, written back as
// double-quoted KEY="..." lines (escaping \ " and newlines), parses to the same variables.
#include <cctype>
#include <cstdint>
#include <string>

#include "config/dotenv.hpp"
#include "fuzz_util.hpp"

using namespace warden::fuzz;

namespace {

bool ValidName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string Quote(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = AsView(data, size);
  auto vars = warden::config::ParseDotenv(text);
  if (!vars) {
    FUZZ_CHECK(vars.error().code == warden::ErrorCode::kDotenvInvalid,
               std::string(vars.error().CodeName()));
    FUZZ_CHECK(vars.error().message.starts_with("line "), vars.error().message);
    return 0;
  }
  std::string written;
  for (const auto& [name, value] : *vars) {
    FUZZ_CHECK(ValidName(name), "invalid name accepted", name);
    written += name + "=" + Quote(value) + "\n";
  }
  auto again = warden::config::ParseDotenv(written);
  FUZZ_CHECK(again.has_value(), "re-quoted variables do not parse", written);
  FUZZ_CHECK(*again == *vars, "re-quoted variables parse differently", written);
  return 0;
}
