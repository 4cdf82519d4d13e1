#include "sidecar/sources/seq_source.h"

#include <algorithm>
#include <vector>

#include "common/logging.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {

namespace {
constexpr std::chrono::milliseconds kRetryPause{20};
}  // namespace

SeqSource::SeqSource(const api::SourceConfig& config, const ComponentContext&,
                     ChannelProcessor& processor)
    : name_(config.name),
      total_(static_cast<uint64_t>(config.properties.GetInt("totalEvents"))),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      processor_(processor) {}

SeqSource::~SeqSource() { Stop(); }

Status SeqSource::Start() {
  runner_.Start([this] { Run(); });
  return Status::Ok();
}

void SeqSource::Stop() { runner_.Stop(); }

uint64_t SeqSource::committed() const { return committed_.load(); }

void SeqSource::Run() {
  const size_t batch_limit = std::max<size_t>(1, std::min(batch_size_, processor_.MaxBatch()));
  uint64_t next = committed();
  // Under a benchmark the channel is full most of the time: say so once, not on every batch.
  bool full_logged = false;
  bool error_logged = false;
  while (runner_.PauseUnlessStopped(std::chrono::milliseconds(0)) &&
         (total_ == 0 || next < total_)) {
    const uint64_t count =
        total_ == 0 ? batch_limit : std::min<uint64_t>(batch_limit, total_ - next);
    auto generate = [next, count] {
      std::vector<Event> batch;
      batch.reserve(count);
      for (uint64_t i = 0; i < count; ++i) batch.push_back(Event{{}, std::to_string(next + i)});
      return batch;
    };
    std::vector<Event> batch = generate();
    processor_.metrics().received->Increment(static_cast<double>(count));
    // Offer the same numbers until they are committed: a number is never skipped.
    for (;;) {
      Status s = processor_.Process(batch);
      if (s.ok()) break;
      // A full channel hands the batch back; any other failure may not, so generate it anew.
      const bool full = s.code() == Status::Code::kResourceExhausted;
      if (!full) batch = generate();
      if (full ? !full_logged : !error_logged) {
        LogMessage(full ? LogLevel::kWarn : LogLevel::kError, "source/" + name_)
            << s.message() << "; retrying the batch from " << next
            << (full ? " (later full-channel retries are not logged)" : "");
        (full ? full_logged : error_logged) = true;
      }
      if (!runner_.PauseUnlessStopped(kRetryPause)) return;
    }
    error_logged = false;
    next += count;
    committed_ = next;
  }
}

ACEQUIA_REGISTER_SOURCE("seq",
                        [](const api::SourceConfig& config, const ComponentContext& context,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          return std::unique_ptr<Source>(
                              std::make_unique<SeqSource>(config, context, processor));
                        });

}  // namespace acequia::sidecar
