#include "secrets/json_pointer.hpp"

#include <boost/json.hpp>
#include <cstddef>
#include <limits>
#include <string>

namespace warden::secrets {
namespace {

// Decodes one reference token ("~1" → "/", "~0" → "~"). Any other "~" sequence is malformed.
Result<std::string> DecodeToken(std::string_view token, std::string_view pointer) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    if (c != '~') {
      out += c;
      continue;
    }
    if (i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
      continue;
    }
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       "JSON pointer \"" + std::string(pointer) +
                           "\" has an invalid escape: \"~\" must be followed by 0 or 1 (write "
                           "\"~0\" for \"~\" and \"~1\" for \"/\")");
  }
  return Result<std::string>(boost::system::in_place_value, std::move(out));
}

// RFC 6901 array-index = "0" / ( %x31-39 *DIGIT ). An index too big for size_t is reported as
// kOverflow: well-formed but necessarily out of range, so the caller says "not found".
enum class IndexParse { kOk, kMalformed, kOverflow };

IndexParse ParseIndex(std::string_view token, std::size_t* index) {
  if (token.empty()) return IndexParse::kMalformed;
  if (token.size() > 1 && token[0] == '0') return IndexParse::kMalformed;
  std::size_t value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return IndexParse::kMalformed;
    std::size_t digit = static_cast<std::size_t>(c - '0');
    if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) {
      return IndexParse::kOverflow;
    }
    value = value * 10 + digit;
  }
  *index = value;
  return IndexParse::kOk;
}

Error NotFound(std::string_view pointer, std::string_view at) {
  return Error::Make(ErrorCode::kSecretRefNotFound, "JSON pointer \"" + std::string(pointer) +
                                                 "\" not found: nothing at \"" + std::string(at) +
                                                 "\"");
}

}  // namespace

Result<const boost::json::value*> ResolvePointer(const boost::json::value& doc,
                                                 std::string_view pointer) {
  const boost::json::value* current = &doc;
  if (pointer.empty()) return current;
  if (pointer.front() != '/') {
    return Error::Make(ErrorCode::kSecretRefInvalid, "JSON pointer \"" + std::string(pointer) +
                                                 "\" must be empty or start with \"/\"");
  }
  std::size_t pos = 1;  // just past a '/'
  while (true) {
    std::size_t slash = pointer.find('/', pos);
    std::size_t end = slash == std::string_view::npos ? pointer.size() : slash;
    std::string_view raw = pointer.substr(pos, end - pos);
    std::string_view so_far = pointer.substr(0, end);
    auto token = DecodeToken(raw, pointer);
    if (!token) return token.error();

    if (const auto* object = current->if_object()) {
      auto it = object->find(*token);
      if (it == object->end()) return NotFound(pointer, so_far);
      current = &it->value();
    } else if (const auto* array = current->if_array()) {
      if (*token == "-") {
        return Error::Make(ErrorCode::kSecretRefInvalid,
                           "JSON pointer \"" + std::string(pointer) +
                               "\" uses \"-\" (the element after the last), which cannot be read");
      }
      std::size_t index = 0;
      switch (ParseIndex(*token, &index)) {
        case IndexParse::kMalformed:
          return Error::Make(ErrorCode::kSecretRefInvalid,
                             "JSON pointer \"" + std::string(pointer) + "\": \"" + *token +
                                 "\" is not an array index (decimal digits, no leading zeros)");
        case IndexParse::kOverflow:
          return NotFound(pointer, so_far);
        case IndexParse::kOk:
          break;
      }
      if (index >= array->size()) return NotFound(pointer, so_far);
      current = &(*array)[index];
    } else {
      // A scalar has no children.
      return NotFound(pointer, so_far);
    }

    if (slash == std::string_view::npos) return current;
    pos = slash + 1;
  }
}

}  // namespace warden::secrets
