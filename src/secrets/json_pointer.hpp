// RFC 6901 JSON Pointer lookup over a Boost.JSON document, used by file SecretRefs
// (`{ source = "file", id = "/providers/openai/key" }`).
//
// The lookup is Boost.JSON's value::find_pointer; this wrapper gives its outcomes warden's codes
// and messages. Supported: "" (the whole document), "/a/b", the escapes "~0" → "~" and
// "~1" → "/", and decimal array indices without leading zeros. "-" (the element after the last)
// names nothing that can be read, so it is rejected.
// Errors (context left empty; the caller sets it to the ref):
//   SECRET_REF_INVALID   the pointer is malformed (no leading "/", a "~" not followed by 0 or 1
//                        anywhere in it, or a token that is not an index where an array is);
//   SECRET_REF_NOT_FOUND a well-formed pointer names nothing in this document.
// Messages name the pointer, never a value from the document.
// Ownership: see below — the result borrows from the document.
// Thread safety: stateless; the returned pointer borrows from `doc` and lives as long as it.
#pragma once

#include <boost/json/fwd.hpp>
#include <string_view>

#include "base/result.hpp"

namespace warden::secrets {

[[nodiscard]] Result<const boost::json::value*> ResolvePointer(const boost::json::value& doc,
                                                               std::string_view pointer);

}  // namespace warden::secrets
