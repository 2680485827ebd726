#include "secrets/file_resolver.hpp"

#include <string.h>  // explicit_bzero

#include <boost/json.hpp>
#include <string>

#include "base/private_file.hpp"
#include "base/strings.hpp"
#include "secrets/json_pointer.hpp"

namespace warden::secrets {
namespace {

// Every ref of the batch fails the same way; each error carries its own ref as context.
std::vector<Result<Secret>> FailAll(const Error& error,
                                    const std::vector<config::SecretRef>& refs) {
  std::vector<Result<Secret>> out;
  out.reserve(refs.size());
  for (const auto& ref : refs) out.emplace_back(error.WithContext(ref.Describe()));
  return out;
}

// "file provider \"ALIAS\"": what errors of this resolver are wrapped in.
std::string Who(std::string_view alias) { return "file provider " + Quoted(alias); }

Result<Secret> FromJson(const boost::json::value& doc, const config::SecretRef& ref,
                        std::string_view alias) {
  auto found = ResolvePointer(doc, ref.id);
  if (!found) return found.error().Wrap(Who(alias)).WithContext(ref.Describe());
  const boost::json::string* s = (*found)->if_string();
  if (s == nullptr || s->empty()) {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       Who(alias) + ": the value at JSON pointer " + Quoted(ref.id) +
                           " must be a non-empty string",
                       ref.Describe());
  }
  return Secret(std::string(s->data(), s->size()));
}

Result<Secret> FromSingleValue(std::string_view content, const config::SecretRef& ref,
                               std::string_view alias) {
  if (ref.id != "value") {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       Who(alias) + " has mode single_value, so the SecretRef id must be \"value\"",
                       ref.Describe());
  }
  // Exactly one line terminator: editors add one, but deliberate trailing bytes are kept.
  if (content.size() >= 2 && content.substr(content.size() - 2) == "\r\n") {
    content.remove_suffix(2);
  } else if (!content.empty() && content.back() == '\n') {
    content.remove_suffix(1);
  }
  if (content.empty()) {
    return Error::Make(
        ErrorCode::kSecretRefInvalid,
        Who(alias) + ": the file holds an empty value; it must be a non-empty string",
        ref.Describe());
  }
  return Secret(std::string(content));
}

}  // namespace

std::vector<Result<Secret>> ResolveFileRefs(std::string_view alias,
                                            const config::SecretProviderConfig& provider,
                                            const std::vector<config::SecretRef>& refs) {
  if (refs.empty()) return {};
  const bool json = provider.mode == config::FileMode::kJson;
  auto content = warden::ReadSecureFile(provider.path);
  if (!content) return FailAll(content.error().Wrap(Who(alias)), refs);

  std::vector<Result<Secret>> out;
  out.reserve(refs.size());
  if (json) {
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(*content, ec);
    explicit_bzero(content->data(), content->size());
    if (ec) {
      // ec.message() describes the syntax error without quoting the input.
      return FailAll(Error::Make(ErrorCode::kSecretProviderError,
                                 provider.path + " is not valid JSON (" + ec.message() + ")")
                         .Wrap(Who(alias)),
                     refs);
    }
    for (const auto& ref : refs) out.push_back(FromJson(doc, ref, alias));
  } else {
    for (const auto& ref : refs) out.push_back(FromSingleValue(*content, ref, alias));
    explicit_bzero(content->data(), content->size());
  }
  return out;
}

}  // namespace warden::secrets
