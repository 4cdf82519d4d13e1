#include "sidecar/interceptors/remove_header_interceptor.h"

#include "sidecar/core/registry.h"
#include "sidecar/interceptors/regex_property.h"

namespace acequia::sidecar {
namespace {

// Java's String.split: the pieces between the separator's matches, empty pieces dropped.
std::set<std::string> SplitOnRegex(const std::string& text, const RE2& separator) {
  std::set<std::string> pieces;
  size_t start = 0;
  size_t search = 0;
  re2::StringPiece match;
  while (search <= text.size() &&
         separator.Match(text, search, text.size(), RE2::UNANCHORED, &match, 1)) {
    const size_t at = static_cast<size_t>(match.data() - text.data());
    if (match.empty()) {  // an empty separator match splits nothing; look further on
      search = at + 1;
      continue;
    }
    if (at > start) pieces.insert(text.substr(start, at - start));
    start = search = at + match.size();
  }
  if (start < text.size()) pieces.insert(text.substr(start));
  return pieces;
}

}  // namespace

Result<std::unique_ptr<RemoveHeaderInterceptor>> RemoveHeaderInterceptor::Create(
    const api::ComponentConfig& config) {
  const auto& props = config.properties;
  std::optional<std::string> with_name;
  if (props.Has("withName")) with_name = props.GetString("withName");
  std::set<std::string> from_list;
  if (props.Has("fromList")) {
    auto separator = CompileRegexProperty(config, "fromListSeparator");
    if (!separator.ok()) return separator.status();
    from_list = SplitOnRegex(props.GetString("fromList"), **separator);
  }
  std::unique_ptr<const RE2> matching;
  if (props.Has("matching")) {
    auto compiled = CompileRegexProperty(config, "matching");
    if (!compiled.ok()) return compiled.status();
    matching = std::move(compiled).value();
  }
  return std::unique_ptr<RemoveHeaderInterceptor>(
      new RemoveHeaderInterceptor(std::move(with_name), std::move(from_list), std::move(matching)));
}

RemoveHeaderInterceptor::RemoveHeaderInterceptor(std::optional<std::string> with_name,
                                                 std::set<std::string> from_list,
                                                 std::unique_ptr<const RE2> matching)
    : with_name_(std::move(with_name)),
      from_list_(std::move(from_list)),
      matching_(std::move(matching)) {}

bool RemoveHeaderInterceptor::Removes(const std::string& name) const {
  if (with_name_ && name == *with_name_) return true;
  if (from_list_.contains(name)) return true;
  return matching_ != nullptr && RE2::FullMatch(name, *matching_);
}

void RemoveHeaderInterceptor::Intercept(std::vector<Event>& events) {
  std::vector<std::string> doomed;
  for (auto& event : events) {
    doomed.clear();
    for (const auto& [name, _] : event.headers) {
      if (Removes(name)) doomed.push_back(name);
    }
    for (const auto& name : doomed) event.headers.Remove(name);
  }
}

ACEQUIA_REGISTER_INTERCEPTOR("remove_header",
                             [](const api::ComponentConfig& config,
                                const ComponentContext&) -> Result<std::unique_ptr<Interceptor>> {
                               auto interceptor = RemoveHeaderInterceptor::Create(config);
                               if (!interceptor.ok()) return interceptor.status();
                               return std::unique_ptr<Interceptor>(std::move(interceptor).value());
                             });

}  // namespace acequia::sidecar
