#include "sidecar/interceptors/search_replace_interceptor.h"

#include <cctype>

#include "sidecar/core/registry.h"
#include "sidecar/interceptors/regex_property.h"

namespace acequia::sidecar {
namespace {

// Java's Matcher.replaceAll syntax ($n, \x) to RE2's rewrite syntax (\n, \\).
Result<std::string> JavaReplacementToRewrite(const std::string& java) {
  std::string rewrite;
  for (size_t i = 0; i < java.size(); ++i) {
    const char c = java[i];
    if (c == '\\') {
      if (++i == java.size()) return Status::InvalidArgument("ends with a lone backslash");
      if (java[i] == '\\') {
        rewrite += "\\\\";
      } else {
        rewrite += java[i];
      }
    } else if (c == '$') {
      if (i + 1 == java.size() || std::isdigit(static_cast<unsigned char>(java[i + 1])) == 0) {
        return Status::InvalidArgument("$ must be followed by a group number (write \\$ for $)");
      }
      rewrite += '\\';
      rewrite += java[++i];
    } else {
      rewrite += c;
    }
  }
  return rewrite;
}

}  // namespace

Result<std::unique_ptr<SearchReplaceInterceptor>> SearchReplaceInterceptor::Create(
    const api::ComponentConfig& config) {
  auto search = CompileRegexProperty(config, "searchPattern");
  if (!search.ok()) return search.status();
  auto rewrite = JavaReplacementToRewrite(config.properties.GetString("replaceString"));
  std::string why;
  if (rewrite.ok() && !(*search)->CheckRewriteString(*rewrite, &why)) {
    rewrite = Status::InvalidArgument(why);
  }
  if (!rewrite.ok()) return rewrite.status().Annotate(config.path + ".replaceString");
  return std::unique_ptr<SearchReplaceInterceptor>(
      new SearchReplaceInterceptor(std::move(search).value(), std::move(rewrite).value()));
}

SearchReplaceInterceptor::SearchReplaceInterceptor(std::unique_ptr<const RE2> search,
                                                   std::string rewrite)
    : search_(std::move(search)), rewrite_(std::move(rewrite)) {}

void SearchReplaceInterceptor::Intercept(std::vector<Event>& events) {
  for (auto& event : events) RE2::GlobalReplace(&event.body, *search_, rewrite_);
}

ACEQUIA_REGISTER_INTERCEPTOR("search_replace",
                             [](const api::ComponentConfig& config,
                                const ComponentContext&) -> Result<std::unique_ptr<Interceptor>> {
                               auto interceptor = SearchReplaceInterceptor::Create(config);
                               if (!interceptor.ok()) return interceptor.status();
                               return std::unique_ptr<Interceptor>(std::move(interceptor).value());
                             });

}  // namespace acequia::sidecar
