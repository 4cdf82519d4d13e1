#include "sidecar/core/channel_processor.h"

#include <algorithm>

#include "sidecar/core/registry.h"

namespace acequia::sidecar {

ChannelProcessor::ChannelProcessor(std::vector<Channel*> channels,
                                   std::unique_ptr<ChannelSelector> selector,
                                   std::vector<NamedInterceptor> interceptors,
                                   SourceMetrics metrics)
    : channels_(std::move(channels)),
      selector_(std::move(selector)),
      interceptors_(std::move(interceptors)),
      metrics_(metrics) {}

Result<std::unique_ptr<ChannelProcessor>> ChannelProcessor::Create(
    const api::SourceConfig& config, std::vector<Channel*> channels,
    const ComponentContext& context) {
  const auto* selector_factory = SelectorRegistry().Find(config.selector.type);
  if (selector_factory == nullptr) {
    return Status::InvalidArgument(config.selector.path + ".type: no selector \"" +
                                   config.selector.type + "\" in this agent");
  }
  auto selector = (*selector_factory)(config.selector, config.channels);
  if (!selector.ok()) return selector.status().Annotate(config.selector.path);

  std::vector<NamedInterceptor> interceptors;
  for (size_t i = 0; i < config.interceptors.size(); ++i) {
    const auto& ic = config.interceptors[i];
    const auto* factory = InterceptorRegistry().Find(ic.type);
    if (factory == nullptr) {
      return Status::InvalidArgument(ic.path + ".type: no interceptor \"" + ic.type +
                                     "\" in this agent");
    }
    auto interceptor = (*factory)(ic, context);
    if (!interceptor.ok()) return interceptor.status().Annotate(ic.path);
    // Interceptors have no names of their own: "<source>.<index>" identifies them in metrics.
    interceptors.push_back(
        {std::move(interceptor).value(),
         context.metrics->ForInterceptor(config.name + "." + std::to_string(i), ic.type)});
  }
  return std::make_unique<ChannelProcessor>(std::move(channels), std::move(selector).value(),
                                            std::move(interceptors),
                                            context.metrics->ForSource(config.name, config.type));
}

size_t ChannelProcessor::MaxBatch() const {
  size_t max = SIZE_MAX;
  for (const auto* c : channels_) max = std::min(max, c->TransactionCapacity());
  return max;
}

Status ChannelProcessor::Process(std::vector<Event>& events) {
  const size_t offered = events.size();
  for (auto& [interceptor, metrics] : interceptors_) {
    const size_t before = events.size();
    interceptor->Intercept(events);
    if (events.size() < before) {
      metrics.dropped->Increment(static_cast<double>(before - events.size()));
    }
  }
  if (events.empty()) return Status::Ok();
  const size_t kept = events.size();
  auto fail = [&](const Status& s) {
    metrics_.rejected->Increment(static_cast<double>(offered));
    return s;
  };

  // The common case, one channel taking everything: the batch moves, and comes back on failure.
  if (channels_.size() == 1 && selector_->RoutesAllToAll()) {
    auto tx = channels_[0]->Begin();
    if (Status s = tx->Put(std::move(events)); !s.ok()) return fail(s);
    if (Status s = tx->Commit(); !s.ok()) {
      tx->Rollback(&events);
      return fail(s);
    }
    events.clear();
    metrics_.accepted->Increment(static_cast<double>(kept));
    return Status::Ok();
  }

  // Otherwise each channel's share is a copy, so `events` survives a failure unchanged.
  struct Share {
    std::vector<Event> events;
    bool required = false;
    std::unique_ptr<Transaction> tx;
  };
  std::vector<Share> shares(channels_.size());
  std::vector<uint32_t> required;
  std::vector<uint32_t> optional;
  for (const auto& event : events) {
    selector_->Route(event, &required, &optional);
    for (uint32_t c : required) {
      shares[c].required = true;
      shares[c].events.push_back(event);
    }
    for (uint32_t c : optional) shares[c].events.push_back(event);
  }

  Status failure;
  for (size_t c = 0; c < shares.size() && failure.ok(); ++c) {
    auto& share = shares[c];
    if (share.events.empty()) continue;
    share.tx = channels_[c]->Begin();
    if (Status s = share.tx->Put(std::move(share.events)); !s.ok()) {
      share.tx.reset();
      if (share.required) failure = s;
    }
  }
  // Reserve room everywhere before committing anywhere: a full required channel means no
  // channel gets the batch; a full optional channel just misses it.
  for (size_t c = 0; c < shares.size() && failure.ok(); ++c) {
    auto& share = shares[c];
    if (!share.tx) continue;
    if (Status s = share.tx->Prepare(); !s.ok()) {
      share.tx->Rollback(nullptr);
      share.tx.reset();
      if (share.required) failure = s;
    }
  }
  for (auto& share : shares) {
    if (!share.tx) continue;
    if (!failure.ok()) {
      share.tx->Rollback(nullptr);
    } else if (Status s = share.tx->Commit(); !s.ok()) {
      share.tx->Rollback(nullptr);
      // A prepared commit fails only for a broken store (a disk error in a durable channel):
      // channels committed before it keep the batch, and the retry may duplicate it there.
      if (share.required) failure = s;
    }
  }
  if (!failure.ok()) return fail(failure);
  events.clear();
  metrics_.accepted->Increment(static_cast<double>(kept));
  return Status::Ok();
}

}  // namespace acequia::sidecar
