#include "app/cli_errors.hpp"

#include <algorithm>

namespace warden::app {
namespace {

constexpr std::size_t kShortestRedacted = 4;
constexpr std::string_view kPlaceholder = "<value>";

std::string_view ValueOf(std::string_view arg) {
  if (!arg.starts_with('-')) return arg;
  const std::size_t eq = arg.find('=');
  return eq == std::string_view::npos ? std::string_view() : arg.substr(eq + 1);
}

void ReplaceAll(std::string& text, std::string_view what) {
  for (std::size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + kPlaceholder.size())) {
    text.replace(at, what.size(), kPlaceholder);
  }
}

}  // namespace

std::string RedactArguments(std::string message, const std::vector<std::string_view>& args,
                            const std::vector<std::string_view>& keep) {
  std::vector<std::string_view> values;
  for (std::string_view arg : args) {
    const std::string_view value = ValueOf(arg);
    if (value.size() < kShortestRedacted) continue;
    if (std::find(keep.begin(), keep.end(), value) != keep.end()) continue;
    values.push_back(value);
  }
  // Longest first, so a value containing another is replaced whole.
  std::sort(values.begin(), values.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  for (std::string_view value : values) ReplaceAll(message, value);
  return message;
}

}  // namespace warden::app
