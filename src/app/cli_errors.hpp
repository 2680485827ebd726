// Command-line errors without the arguments' values. CLI11's messages quote what it could not
// use ("The following arguments were not expected: sk-…", "Could not convert: --x = …"), and a
// token pasted on the command line by mistake would then reach stderr and the terminal's
// scrollback. Every argument that is not an option name is replaced by "<value>" before the
// message is printed (option names and subcommands are kept, so the message still says what
// was wrong).
// Thread safety: pure function. Ownership: returns a new string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace warden::app {

// `message` with every occurrence of a value from `args` (argv without the program name)
// replaced: an argument that does not start with '-', and the part after '=' of one that does.
// Values shorter than 4 characters are left (too short to be a secret, and replacing them
// would garble the message's own words); `keep` lists words never replaced (subcommand names).
std::string RedactArguments(std::string message, const std::vector<std::string_view>& args,
                            const std::vector<std::string_view>& keep);

}  // namespace warden::app
