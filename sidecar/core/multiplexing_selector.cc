// The multiplexing selector: the value of one header picks the channels (`mapping`), with
// `optional` channels per value and `default` channels for values without a mapping or events
// without the header.
#include <algorithm>
#include <unordered_map>

#include "sidecar/core/registry.h"

namespace acequia::sidecar {
namespace {

class MultiplexingSelector final : public ChannelSelector {
 public:
  MultiplexingSelector(const api::ComponentConfig& config, const std::vector<std::string>& channels)
      : header_(config.properties.GetString("header")) {
    auto indices = [&](const std::vector<std::string>& names) {
      std::vector<uint32_t> out;
      for (const auto& n : names) {
        auto it = std::find(channels.begin(), channels.end(), n);
        if (it != channels.end()) out.push_back(static_cast<uint32_t>(it - channels.begin()));
      }
      return out;
    };
    for (const auto& [value, names] : config.properties.GetListMap("mapping")) {
      required_[value] = indices(names);
    }
    for (const auto& [value, names] : config.properties.GetListMap("optional")) {
      optional_[value] = indices(names);
    }
    default_ = indices(config.properties.GetList("default"));
  }

  void Route(const Event& event, std::vector<uint32_t>* required,
             std::vector<uint32_t>* optional) const override {
    required->clear();
    optional->clear();
    const std::string* value = event.headers.Find(header_);
    if (value != nullptr) {
      if (auto it = required_.find(*value); it != required_.end()) *required = it->second;
      if (auto it = optional_.find(*value); it != optional_.end()) *optional = it->second;
    }
    if (required->empty()) *required = default_;
    // A channel both required and optional is required.
    std::erase_if(*optional, [&](uint32_t c) {
      return std::find(required->begin(), required->end(), c) != required->end();
    });
  }

 private:
  std::string header_;
  std::unordered_map<std::string, std::vector<uint32_t>> required_;
  std::unordered_map<std::string, std::vector<uint32_t>> optional_;
  std::vector<uint32_t> default_;
};

}  // namespace

ACEQUIA_REGISTER_SELECTOR("multiplexing",
                          [](const api::ComponentConfig& config,
                             const std::vector<std::string>& channels)
                              -> Result<std::unique_ptr<ChannelSelector>> {
                            return std::unique_ptr<ChannelSelector>(
                                std::make_unique<MultiplexingSelector>(config, channels));
                          });

}  // namespace acequia::sidecar
