// Environment: read access to environment variables behind an interface, so that resolution
// logic (env key chain, SecretRefs, gateway token) is testable without touching the process.
// ProcessEnvironment reads ::environ at call time; MapEnvironment is for tests.
// Ownership: values are returned by copy; a MapEnvironment owns its variables.
// Thread safety: Get/Names are const and thread-safe as long as nobody calls setenv
// concurrently (warden only sets variables at start-up, from the dotenv file, before threads).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden {

class Environment {
 public:
  virtual ~Environment() = default;
  // The value of `name`, or nullopt when unset. An empty value is returned as "".
  virtual std::optional<std::string> Get(std::string_view name) const = 0;
  // All variable names, sorted.
  virtual std::vector<std::string> Names() const = 0;
};

class ProcessEnvironment final : public Environment {
 public:
  std::optional<std::string> Get(std::string_view name) const override;
  std::vector<std::string> Names() const override;
};

class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(const std::map<std::string, std::string>& vars)
      : vars_(vars.begin(), vars.end()) {}
  void Set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  std::optional<std::string> Get(std::string_view name) const override;
  std::vector<std::string> Names() const override;

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

// "~" → $HOME, "~/x" → $HOME/x; anything else (including "~user/x") is returned unchanged, as is
// every path when HOME is unset or empty (the absolute-path check then reports it).
std::string ExpandHome(std::string_view path, const Environment& env);

}  // namespace warden
