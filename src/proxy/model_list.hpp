// The /v1/models document: the model names a caller may use, in the caller's wire format —
// Anthropic's shape ({"data":[{"type":"model","id","display_name","created_at"}],"has_more",
// "first_id","last_id"}) when the request carries `anthropic-version` (the Anthropic SDK and
// Claude Code always send it), OpenAI's ({"object":"list","data":[{"id","object":"model",
// "created","owned_by"}]}) otherwise. Entries: "provider/*" per enabled provider the caller may
// use (or the caller's own "provider/..." model globs), then the [models.aliases] names whose
// target the caller may use. The Anthropic shape lists only Anthropic-API providers: nothing
// else is usable on /v1/messages. No upstream call is made: the document is built from the
// snapshot alone.
// Thread safety: pure functions over the immutable snapshot. Ownership: returns values.
#pragma once

#include <string>
#include <vector>

#include "access/callers.hpp"
#include "proxy/wire_format.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

// The ids /v1/models lists for `provider` to `caller` (nullptr: no [callers]): "provider/*" when
// the caller may use the whole provider; with a `models` policy, the caller's globs that start
// with "provider/" (globs naming no provider list nothing); none for a disabled or refused one.
std::vector<std::string> ModelIdsFor(const snapshot::ProviderRuntime& provider,
                                     const access::CallerPolicy* caller);

// The JSON body of GET /v1/models in `shape`.
std::string ModelListBody(const snapshot::Snapshot& snap, const access::CallerPolicy* caller,
                          WireFormat shape);

}  // namespace warden::proxy
