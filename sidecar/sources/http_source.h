// The http source (Flume's HTTPSource with its JSONHandler): events arrive by HTTP POST to any
// path, one request = one batch = one ChannelProcessor::Process call, all or nothing.
//
//   Content-Type application/json (or *+json), or handler=json when the type says neither:
//     [{"headers": {"k": "v"}, "body": "text"}, ...]   "headers" optional, "body" required
//   Content-Type text/plain, or handler=text: one event per line ('\n', one trailing '\r'
//     stripped, a last line without '\n' counts; an empty body is zero events). Bytes, not text.
//
// Replies: 200 {"accepted": N} once committed (N counts every event of the request, including
// any an interceptor dropped); 400 with a one-line reason naming the place
// ("event[3].headers.level: expected a string, got number", or "invalid JSON at byte N: ..."
// where N counts from 1, as nlohmann-json does); 405 for methods other than POST;
// 413 for a body larger than maxBodySize (Content-Length is checked before reading, and the read
// is cut off there too), for more events than the channels' smallest transactionCapacity, and
// for a batch a channel can never hold; 503 with Retry-After when a channel is full or the
// source is stopping; 500 otherwise.
//
// Metrics: received counts the events of every well-formed request (a malformed or oversized
// request counts as one received and one rejected event); the ChannelProcessor counts accepted
// and rejected for what it was given. open_connections is the number of requests in flight: it
// goes up when a request arrives and down when it is answered (cpprest does not expose TCP
// connections, and a request in flight is what holds resources here).
//
// Threading: Start/Stop from the control thread. Requests are read and parsed on cpprest's
// thread pool; commits (which may wait up to a channel's keepAlive for room) run in order on the
// source's own committer thread, so a full channel never ties up the pool that also serves
// /metrics and /readyz. At most kMaxQueuedCommits parsed requests wait for it; more get 503.
// Stop closes the listener and returns once no request is in flight, so no batch is mid-commit
// afterwards. The ChannelProcessor outlives the source.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/flow.h"
#include "common/status.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/event.h"
#include "sidecar/core/source.h"

namespace web::http::experimental::listener {
class http_listener;
}  // namespace web::http::experimental::listener

namespace acequia::sidecar {

class HttpSource final : public Source {
 public:
  HttpSource(const api::SourceConfig& config, const ComponentContext& context,
             ChannelProcessor& processor);
  ~HttpSource() override;

  Status Start() override;
  void Stop() override;

  // How a body is read: one JSON array of events, or one event per line.
  enum class Format { kJson, kText };

  // Pure parsers, public for tests. ParseJson fails with InvalidArgument and a one-line reason.
  static Result<std::vector<Event>> ParseJson(std::string_view body);
  static std::vector<Event> ParseText(std::string_view body);

 private:
  class Exchange;

  static constexpr size_t kMaxQueuedCommits = 256;

  // Hands a parsed request to the committer thread; Unavailable when stopping or too many wait.
  Status QueueCommit(std::shared_ptr<Exchange> exchange);
  void RunCommitter();
  void StopCommitter();
  // Counts a request in flight (false: the source is stopping and takes nothing new).
  bool Enter();
  // The last thing a request does after it was answered.
  void Leave();

  const std::string name_;
  const std::string bind_;
  const uint16_t port_;
  const Format default_format_;
  const uint64_t max_body_;
  const int64_t retry_after_seconds_;
  ChannelProcessor& processor_;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  size_t in_flight_ = 0;                           // guarded by mutex_
  bool stopping_ = false;                          // guarded by mutex_
  std::deque<std::shared_ptr<Exchange>> commits_;  // guarded by mutex_
  bool committer_done_ = false;                    // guarded by mutex_
  std::condition_variable work_;
  std::thread committer_;
  std::atomic<bool> full_logged_{false};  // a full channel was logged, and no success since
};

}  // namespace acequia::sidecar
