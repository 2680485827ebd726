#include "secrets/json_pointer.hpp"

#include <boost/json.hpp>
#include <optional>
#include <string>

namespace warden::secrets {
namespace {

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// RFC 6901 syntax, checked on the whole pointer before any lookup, so that a malformed pointer
// is refused whatever the document holds: "" or "/"-prefixed tokens in which "~" only appears
// as "~0" or "~1".
std::optional<Error> SyntaxError(std::string_view pointer) {
  if (!pointer.empty() && pointer.front() != '/') {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       "JSON pointer " + Quoted(pointer) + " must be empty or start with \"/\"");
  }
  for (std::size_t i = 0; i < pointer.size(); ++i) {
    const char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
    if (pointer[i] == '~' && next != '0' && next != '1') {
      return Error::Make(ErrorCode::kSecretRefInvalid,
                         "JSON pointer " + Quoted(pointer) +
                             " has an invalid escape: \"~\" must be followed by 0 or 1 (write "
                             "\"~0\" for \"~\" and \"~1\" for \"/\")");
    }
  }
  return std::nullopt;
}

// Where a well-formed pointer stops naming anything in `doc`: the shortest prefix that names
// nothing ("/a/x" for "/a/x/y" when "/a" has no "x"), and its last token as written. Only used
// to word the error; the lookup itself is Boost.JSON's.
struct FailedStep {
  std::string_view prefix;
  std::string_view token;
};

FailedStep FindFailedStep(const boost::json::value& doc, std::string_view pointer) {
  std::size_t token_start = 1;  // just past a '/'
  while (true) {
    std::size_t end = pointer.find('/', token_start);
    if (end == std::string_view::npos) end = pointer.size();
    boost::system::error_code ec;
    if (end == pointer.size() || doc.find_pointer(pointer.substr(0, end), ec) == nullptr) {
      return {pointer.substr(0, end), pointer.substr(token_start, end - token_start)};
    }
    token_start = end + 1;
  }
}

}  // namespace

Result<const boost::json::value*> ResolvePointer(const boost::json::value& doc,
                                                 std::string_view pointer) {
  if (std::optional<Error> malformed = SyntaxError(pointer)) return *malformed;
  boost::system::error_code ec;
  const boost::json::value* found = doc.find_pointer(pointer, ec);
  if (found != nullptr) return found;

  const FailedStep step = FindFailedStep(doc, pointer);
  if (ec == boost::json::error::past_the_end) {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       "JSON pointer " + Quoted(pointer) +
                           " uses \"-\" (the element after the last), which cannot be read");
  }
  if (ec == boost::json::error::token_not_number) {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       "JSON pointer " + Quoted(pointer) + ": " + Quoted(step.token) +
                           " is not an array index (decimal digits, no leading zeros)");
  }
  // not_found, value_is_scalar, or token_overflow (an index no array can reach): the pointer is
  // well-formed but names nothing in this document.
  return Error::Make(
      ErrorCode::kSecretRefNotFound,
      "JSON pointer " + Quoted(pointer) + " not found: nothing at " + Quoted(step.prefix));
}

}  // namespace warden::secrets
