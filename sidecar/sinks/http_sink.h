// The http sink (Flume's HttpSink, batched): POSTs every batch the runner takes to `endpoint`
// (http or https) and reports success only for a 2xx answer, so the batch is committed only then.
//
// Body, by `format`:
//   json: [{"headers": {"k": "v"}, "body": "text"}, ...] — the form the http source reads. A body
//         that is not valid UTF-8 is sent base64-encoded, marked "encoding": "base64" (receivers
//         that ignore the field see the base64 text); header names and values that are not valid
//         UTF-8 have their invalid bytes replaced by U+FFFD.
//   text: every body followed by '\n', as bytes.
//
// Answers other than 2xx follow Flume's status-code policy: rollback (retry the same events later;
// false: commit and drop them, counted in the sink's dropped metric), backoff (false: retry at
// once) and incrementMetrics (a dropped batch counts as drained too), each decided by the exact
// code
// ("400"), then its class ("4XX"), then defaultRollback / defaultBackoff / defaultIncrementMetrics.
// No answer at all (refused, reset, timed out, TLS failure) always rolls back and backs off, and
// the runner counts a connection failure; the client's connection pool is then dropped, so the
// next attempt connects afresh instead of trying other connections a restarted endpoint closed.
// Retries and backoff are the runner's; the sink never sleeps.
//
// TLS uses OpenSSL through cpprestsdk: caFile replaces the system's certificate authorities,
// insecureSkipVerify turns verification off. bearerTokenFile is read at start and re-read whenever
// the file changes (size, mtime or inode, so a Kubernetes Secret's symlink swap counts), and after
// a 401; a file that vanishes mid-rotation leaves the last token in use. The token never appears in
// a log line or an error.
//
// Threading: every call from the one thread that drives the sink; cpprest's own threads run the
// exchange while Deliver waits for it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "api/flow.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/sink.h"

namespace web::http::client {
class http_client;
}  // namespace web::http::client

namespace acequia::sidecar {

class HttpSink final : public Sink {
 public:
  enum class Format { kJson, kText };

  // InvalidArgument, naming the field, for a bad endpoint or status-code key.
  static Result<std::unique_ptr<HttpSink>> Create(const api::SinkConfig& config);
  ~HttpSink() override;

  Status Start() override;
  Status Deliver(std::span<const Event> events) override;
  void Stop() override;
  size_t BatchSize() const override { return batch_size_; }
  FailureHandling OnFailure() const override { return failure_; }

  // The request bodies; public for tests.
  static std::string EncodeJson(std::span<const Event> events);
  static std::string EncodeText(std::span<const Event> events);

 private:
  // One of Flume's per-status overrides: the exact code wins over its class ("4XX").
  struct StatusRule {
    bool fallback = true;
    std::map<std::string, bool> exact;  // "404"
    std::map<char, bool> by_class;      // '4' for "4XX"
    bool Decide(int code) const;
  };
  struct Answer {
    int status = 0;  // 0: no answer
    std::string body;
    std::string error;
  };

  explicit HttpSink(const api::SinkConfig& config);
  static void ParseRule(const api::SinkConfig& config, const char* overrides, const char* fallback,
                        StatusRule* rule);
  // Reads bearerTokenFile when it changed since the last read (or `force`).
  Status RefreshToken(bool force);
  // (Re)creates the client, with a new connection pool.
  Status Connect();
  Answer Post(const std::string& body);

  const std::string name_;
  const std::string path_;  // the sink's field path, for errors
  const std::string endpoint_;
  const Format format_;
  const std::string content_type_;
  const std::map<std::string, std::string> extra_headers_;
  const size_t batch_size_;
  const std::chrono::milliseconds connect_timeout_;
  const std::chrono::milliseconds request_timeout_;
  const std::string ca_file_;
  const bool insecure_;
  const std::string token_file_;
  StatusRule backoff_;
  StatusRule rollback_;
  StatusRule increment_metrics_;

  std::unique_ptr<web::http::client::http_client> client_;
  std::string token_;
  bool token_read_ = false;
  // What the token file looked like when last read.
  ino_t token_inode_ = 0;
  off_t token_size_ = -1;
  struct timespec token_mtime_ {};
  FailureHandling failure_;
};

}  // namespace acequia::sidecar
