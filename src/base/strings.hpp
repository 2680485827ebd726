// Small string helpers shared by every layer.
// Ownership: a returned view borrows from the argument and lives as long as it.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace warden {

// `s` without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r). The view
// borrows from `s`.
std::string_view TrimWhitespace(std::string_view s);

// `s` in double quotes, as error messages name a value: Quoted("a") is "\"a\"".
std::string Quoted(std::string_view s);

}  // namespace warden
