// The findings of `warden doctor` (README, "CLI"): their codes in one place, the report every
// check adds to, and its text and --json forms. A finding is a code, the path or key it is about,
// and a message that says what is wrong and the one-line fix; a note is information that is not
// a finding (e.g. no gateway running). Neither ever holds a secret value: checks word messages
// from names, paths, fingerprints and the resolvers' own secret-free errors.
// Ownership: owns its findings and notes. Thread safety: not thread-safe; one per doctor run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace warden::app {

// Finding codes besides those taken from errors (CONFIG_INVALID, PROFILE_STORE_CORRUPT, ...) and
// access::kTokenShadowed.
inline constexpr std::string_view kFileInsecureCode = "FILE_INSECURE";
inline constexpr std::string_view kTokenWeak = "TOKEN_WEAK";
inline constexpr std::string_view kBindNotLoopback = "BIND_NOT_LOOPBACK";
inline constexpr std::string_view kSecretUnresolvable = "SECRET_UNRESOLVABLE";
inline constexpr std::string_view kGatewayStaleConfig = "GATEWAY_STALE_CONFIG";
inline constexpr std::string_view kGatewayNotReady = "GATEWAY_NOT_READY";
inline constexpr std::string_view kGatewayTokenMismatch = "GATEWAY_TOKEN_MISMATCH";
inline constexpr std::string_view kClockSkew = "CLOCK_SKEW";

struct DoctorFinding {
  std::string code;
  std::string path;     // the file, config key or address it is about
  std::string message;  // what is wrong and the one-line fix; never a value
  bool fixed = false;   // --fix repaired it
};

class DoctorReport {
 public:
  void Add(std::string_view code, std::string path, std::string message) {
    findings_.push_back({std::string(code), std::move(path), std::move(message), false});
  }
  void Note(std::string text) { notes_.push_back(std::move(text)); }

  std::vector<DoctorFinding>& findings() { return findings_; }
  const std::vector<DoctorFinding>& findings() const { return findings_; }
  const std::vector<std::string>& notes() const { return notes_; }

  // Prints the report (text, or one JSON object with --json) and returns the exit code:
  // 0 when nothing is left to fix, 1 otherwise.
  int Print(bool json) const;

 private:
  std::vector<DoctorFinding> findings_;
  std::vector<std::string> notes_;
};

}  // namespace warden::app
