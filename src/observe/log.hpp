// Logging setup: one spdlog logger writing to stderr, shared by every thread.
// Never pass a credential to a log call as a string; Secret formats as "***" by construction.
// Ownership: spdlog's registry owns the logger for the process lifetime.
// Thread safety: spdlog's *_mt sinks are thread-safe; Init* runs once in main before threads.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace warden::observe {

// level: "trace"|"debug"|"info"|"warn"|"error"|"off"; unknown → info.
void InitLogging(std::string_view level);

}  // namespace warden::observe
