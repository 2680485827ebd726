#include "secrets/file_resolver.hpp"

#include <string.h>  // explicit_bzero

#include <boost/json.hpp>
#include <string>

#include "secrets/json_pointer.hpp"
#include "base/private_file.hpp"

namespace warden::secrets {
namespace {

// Every ref of the batch fails the same way; each error carries its own ref as context.
std::vector<Result<Secret>> FailAll(const Error& error,
                                    const std::vector<config::SecretRef>& refs) {
  std::vector<Result<Secret>> out;
  out.reserve(refs.size());
  for (const auto& ref : refs) {
    out.emplace_back(Error::Make(error.code, error.message, ref.Describe()));
  }
  return out;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

Result<Secret> FromJson(const boost::json::value& doc, const config::SecretRef& ref,
                        std::string_view alias) {
  auto found = ResolvePointer(doc, ref.id);
  if (!found) {
    Error e = found.error();
    e.message = "file provider " + Quoted(alias) + ": " + e.message;
    e.context = ref.Describe();
    return e;
  }
  const boost::json::string* s = (*found)->if_string();
  if (s == nullptr || s->empty()) {
    return Error::Make("SECRET_REF_INVALID",
                       "file provider " + Quoted(alias) + ": the value at JSON pointer " +
                           Quoted(ref.id) + " must be a non-empty string",
                       ref.Describe());
  }
  return Secret(std::string(s->data(), s->size()));
}

Result<Secret> FromSingleValue(std::string_view content, const config::SecretRef& ref,
                               std::string_view alias) {
  if (ref.id != "value") {
    return Error::Make("SECRET_REF_INVALID",
                       "file provider " + Quoted(alias) +
                           " has mode single_value, so the SecretRef id must be \"value\"",
                       ref.Describe());
  }
  // Exactly one line terminator: editors add one, but deliberate trailing bytes are kept.
  if (content.size() >= 2 && content.substr(content.size() - 2) == "\r\n") {
    content.remove_suffix(2);
  } else if (!content.empty() && content.back() == '\n') {
    content.remove_suffix(1);
  }
  if (content.empty()) {
    return Error::Make("SECRET_REF_INVALID",
                       "file provider " + Quoted(alias) +
                           ": the file holds an empty value; it "
                           "must be a non-empty string",
                       ref.Describe());
  }
  return Secret(std::string(content));
}

}  // namespace

std::vector<Result<Secret>> ResolveFileRefs(std::string_view alias,
                                            const config::SecretProviderConfig& provider,
                                            const std::vector<config::SecretRef>& refs) {
  if (refs.empty()) return {};
  const bool json = provider.mode == "json";
  if (!json && provider.mode != "single_value") {
    return FailAll(Error::Make("SECRET_PROVIDER_ERROR", "file provider " + Quoted(alias) +
                                                            " has mode " + Quoted(provider.mode) +
                                                            "; use \"json\" or \"single_value\""),
                   refs);
  }
  auto content = warden::ReadSecureFile(provider.path);
  if (!content) {
    Error e = content.error();
    e.message = "file provider " + Quoted(alias) + ": " + e.message;
    return FailAll(e, refs);
  }

  std::vector<Result<Secret>> out;
  out.reserve(refs.size());
  if (json) {
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(*content, ec);
    explicit_bzero(content->data(), content->size());
    if (ec) {
      // ec.message() describes the syntax error without quoting the input.
      return FailAll(Error::Make("SECRET_PROVIDER_ERROR",
                                 "file provider " + Quoted(alias) + ": " + provider.path +
                                     " is not valid JSON (" + ec.message() + ")"),
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
