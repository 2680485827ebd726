// toml++'s implementation, compiled once for the config_loader fuzzer (with toml_assert.hpp
// force-included, like the other translation units of that fuzzer, which see TOML_HEADER_ONLY=0).
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
