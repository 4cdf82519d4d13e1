// The replicating selector: every event to every channel; `optional` channels may fail.
#include <algorithm>

#include "sidecar/core/registry.h"

namespace acequia::sidecar {
namespace {

class ReplicatingSelector final : public ChannelSelector {
 public:
  ReplicatingSelector(const api::ComponentConfig& config,
                      const std::vector<std::string>& channels) {
    const auto& optional = config.properties.GetList("optional");
    for (uint32_t i = 0; i < channels.size(); ++i) {
      bool is_optional = std::find(optional.begin(), optional.end(), channels[i]) != optional.end();
      (is_optional ? optional_ : required_).push_back(i);
    }
  }

  void Route(const Event&, std::vector<uint32_t>* required,
             std::vector<uint32_t>* optional) const override {
    *required = required_;
    *optional = optional_;
  }
  bool RoutesAllToAll() const override { return optional_.empty(); }

 private:
  std::vector<uint32_t> required_;
  std::vector<uint32_t> optional_;
};

}  // namespace

ACEQUIA_REGISTER_SELECTOR("replicating",
                          [](const api::ComponentConfig& config,
                             const std::vector<std::string>& channels)
                              -> Result<std::unique_ptr<ChannelSelector>> {
                            return std::unique_ptr<ChannelSelector>(
                                std::make_unique<ReplicatingSelector>(config, channels));
                          });

}  // namespace acequia::sidecar
