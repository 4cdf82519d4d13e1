#include "sidecar/sources/http_source.h"

#include <cpprest/http_listener.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {

namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::status_code;
using web::http::status_codes;

// A body is read in pieces of at most this size, so memory grows with the bytes that actually
// arrived, not with what a Content-Length promised.
constexpr size_t kReadChunk = size_t{1} << 20;
// A body that is thrown away is read in pieces of this size.
constexpr size_t kDrainChunk = size_t{64} * 1024;

// Makes `text` safe for a one-line reason: control characters and non-ASCII bytes are escaped.
std::string OneLine(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

// ".level" for a plain key, ["a.b"] for any other, so the path stays unambiguous.
std::string KeyPath(const std::string& key) {
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-';
  });
  return plain ? "." + key : "[\"" + OneLine(key) + "\"]";
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 5: <why>".
std::string ParseErrorReason(const std::string& what) {
  const size_t colon = what.find(": ");
  return OneLine(colon == std::string::npos ? what : what.substr(colon + 2));
}

HttpSource::Format FormatOf(std::string content_type, HttpSource::Format fallback) {
  content_type = content_type.substr(0, content_type.find(';'));
  std::transform(content_type.begin(), content_type.end(), content_type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto first = content_type.find_first_not_of(" \t");
  const auto last = content_type.find_last_not_of(" \t");
  content_type = first == std::string::npos ? "" : content_type.substr(first, last - first + 1);
  if (content_type == "application/json" ||
      (content_type.starts_with("application/") && content_type.ends_with("+json"))) {
    return HttpSource::Format::kJson;
  }
  if (content_type == "text/plain") return HttpSource::Format::kText;
  return fallback;
}

http_response TextResponse(status_code code, const std::string& reason) {
  http_response response(code);
  response.set_body(reason + "\n", "text/plain; charset=utf-8");
  return response;
}

// Reads and discards the rest of a body that will not be used, so cpprest (which reads every
// request body to its end before it sends the reply) does not buffer it in memory.
void Drain(concurrency::streams::streambuf<uint8_t> stream) {
  auto scratch = std::make_shared<std::vector<uint8_t>>(kDrainChunk);
  stream.getn(scratch->data(), scratch->size())
      .then([stream, scratch](const pplx::task<size_t>& read) {
        try {
          if (read.get() > 0) Drain(stream);
        } catch (const std::exception&) {
          // The client went away: nothing left to drain.
        }
      });
}

}  // namespace

// One request, from its arrival to its reply. Owned by the continuations of its asynchronous
// reads; it is answered exactly once, and answering is the last thing it does with the source.
class HttpSource::Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(HttpSource& source, const http_request& request) : source_(source), request_(request) {}
  ~Exchange() {
    if (!answered_) Answer(TextResponse(status_codes::InternalError, "request dropped"));
  }

  void Begin() {
    Guarded([this] {
      if (request_.method() != web::http::methods::POST) {
        http_response response =
            TextResponse(status_codes::MethodNotAllowed, "method " + OneLine(request_.method()) +
                                                             " not allowed: send events with POST");
        response.headers().add("Allow", "POST");
        Answer(response);
        return;
      }
      stream_ = request_.body().streambuf();
      uint64_t declared = 0;
      if (request_.headers().match(web::http::header_names::content_length, declared)) {
        if (declared > source_.max_body_) {
          RejectOversized("a body of " + std::to_string(declared) + " bytes");
          return;
        }
        expected_ = declared;
        body_.reserve(declared);
      }
      Read();
    });
  }

 private:
  // Runs `step`, answering 500 if it throws: an exception must never escape a pplx task.
  template <typename Step>
  void Guarded(Step step) {
    try {
      step();
    } catch (const std::exception& e) {
      Answer(TextResponse(status_codes::InternalError, "internal error: " + OneLine(e.what())));
    }
  }

  // Appends the next piece of the body, at most one byte past maxBodySize.
  void Read() {
    const size_t room = static_cast<size_t>(source_.max_body_ + 1 - body_.size());
    const size_t want = std::min(room, kReadChunk);
    const size_t old = body_.size();
    body_.resize(old + want);
    auto self = shared_from_this();
    stream_.getn(reinterpret_cast<uint8_t*>(body_.data() + old), want)
        .then([self, old](const pplx::task<size_t>& read) {
          self->Guarded([&] {
            size_t n = 0;
            try {
              n = read.get();
            } catch (const std::exception& e) {
              self->body_.resize(old);
              self->Reject(status_codes::BadRequest,
                           "could not read the request body: " + OneLine(e.what()));
              return;
            }
            self->body_.resize(old + n);
            if (self->body_.size() > self->source_.max_body_) {
              self->RejectOversized("a body of more than " +
                                    std::to_string(self->source_.max_body_) + " bytes");
            } else if (n == 0 && self->body_.size() < self->expected_) {
              self->Reject(status_codes::BadRequest,
                           "request body ended after " + std::to_string(self->body_.size()) +
                               " of the " + std::to_string(self->expected_) +
                               " bytes its Content-Length announced");
            } else if (n == 0) {
              self->Commit();
            } else {
              self->Read();
            }
          });
        });
  }

  void Commit() {
    const Format format = FormatOf(request_.headers().content_type(), source_.default_format_);
    std::vector<Event> events;
    if (format == Format::kJson) {
      auto parsed = ParseJson(body_);
      if (!parsed.ok()) {
        Reject(status_codes::BadRequest, parsed.status().message());
        return;
      }
      events = std::move(parsed).value();
    } else {
      events = ParseText(body_);
    }
    std::string().swap(body_);

    const SourceMetrics& metrics = source_.processor_.metrics();
    const size_t count = events.size();
    if (count == 0) {
      Accepted(0);
      return;
    }
    metrics.received->Increment(static_cast<double>(count));
    const size_t max_batch = source_.processor_.MaxBatch();
    if (count > max_batch) {
      metrics.rejected->Increment(static_cast<double>(count));
      Answer(TextResponse(status_codes::RequestEntityTooLarge,
                          "request has " + std::to_string(count) + " events, more than the " +
                              std::to_string(max_batch) +
                              " one request may carry (the smallest transactionCapacity of the "
                              "source's channels): split it into smaller requests"));
      return;
    }
    events_ = std::move(events);
    if (Status queued = source_.QueueCommit(shared_from_this()); !queued.ok()) {
      metrics.rejected->Increment(static_cast<double>(count));
      Unavailable(queued.message());
    }
  }

 public:
  // Runs on the source's committer thread.
  void Process() {
    Guarded([this] { ProcessEvents(); });
  }

 private:
  void ProcessEvents() {
    const size_t count = events_.size();
    std::vector<Event> events = std::move(events_);
    Status s = source_.processor_.Process(events);
    if (s.ok()) {
      if (source_.full_logged_.exchange(false)) {
        LogMessage(LogLevel::kInfo, "source/" + source_.name_) << "channels accept events again";
      }
      Accepted(count);
    } else if (s.code() == Status::Code::kResourceExhausted) {
      if (!source_.full_logged_.exchange(true)) {
        LogMessage(LogLevel::kWarn, "source/" + source_.name_)
            << s.message() << "; answering 503 until it has room";
      }
      Unavailable(s.message());
    } else if (s.code() == Status::Code::kInvalidArgument) {
      Answer(TextResponse(status_codes::RequestEntityTooLarge, OneLine(s.message())));
    } else {
      LogMessage(LogLevel::kError, "source/" + source_.name_) << s.ToString();
      Answer(TextResponse(status_codes::InternalError, OneLine(s.ToString())));
    }
  }

  void Accepted(size_t count) {
    http_response response(status_codes::OK);
    response.set_body("{\"accepted\": " + std::to_string(count) + "}", "application/json");
    Answer(response);
  }

  void Unavailable(const std::string& why) {
    const std::string seconds = std::to_string(source_.retry_after_seconds_);
    http_response response =
        TextResponse(status_codes::ServiceUnavailable,
                     OneLine(why) + "; nothing was committed, retry after " + seconds + "s");
    response.headers().add("Retry-After", seconds);
    Answer(response);
  }

  // A request that could not be read or parsed counts as one received and one rejected event.
  void Reject(status_code code, const std::string& reason) {
    const SourceMetrics& metrics = source_.processor_.metrics();
    metrics.received->Increment();
    metrics.rejected->Increment();
    if (LogEnabled(LogLevel::kDebug)) {
      LogMessage(LogLevel::kDebug, "source/" + source_.name_)
          << "answered " << code << " to " << OneLine(request_.remote_address()) << ": " << reason;
    }
    Answer(TextResponse(code, reason));
  }

  void RejectOversized(const std::string& what) {
    std::string().swap(body_);
    Drain(stream_);
    Reject(status_codes::RequestEntityTooLarge, "request body too large: " + what +
                                                    ", maxBodySize is " +
                                                    std::to_string(source_.max_body_) + " bytes");
  }

  // Sends the reply and releases the source: nothing here touches source_ afterwards.
  void Answer(const http_response& response) {
    if (answered_) return;
    answered_ = true;
    // Down before the reply leaves, so a client that got its answer sees the gauge settled.
    source_.processor_.metrics().open_connections->Decrement();
    try {
      request_.reply(response).then([](const pplx::task<void>& sent) {
        try {
          sent.get();
        } catch (const std::exception&) {
          // The client is gone; it retries what it did not see acknowledged.
        }
      });
    } catch (const std::exception&) {
      // Replying twice or to a closed connection: the client sees the connection end.
    }
    source_.Leave();
  }

  HttpSource& source_;
  http_request request_;
  concurrency::streams::streambuf<uint8_t> stream_;
  uint64_t expected_ = 0;  // the Content-Length, when one was sent
  std::string body_;
  std::vector<Event> events_;  // parsed, waiting for the committer
  bool answered_ = false;
};

HttpSource::HttpSource(const api::SourceConfig& config, const ComponentContext&,
                       ChannelProcessor& processor)
    : name_(config.name),
      bind_(config.properties.GetString("bind")),
      port_(static_cast<uint16_t>(config.properties.GetInt("port"))),
      default_format_(config.properties.GetString("handler") == "text" ? Format::kText
                                                                       : Format::kJson),
      max_body_(static_cast<uint64_t>(config.properties.GetSize("maxBodySize"))),
      retry_after_seconds_(
          std::max<int64_t>(1, (config.properties.GetDuration("retryAfter").count() + 999) / 1000)),
      processor_(processor) {}

HttpSource::~HttpSource() { Stop(); }

Status HttpSource::QueueCommit(std::shared_ptr<Exchange> exchange) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Status::Unavailable("source " + name_ + " is stopping");
    if (commits_.size() >= kMaxQueuedCommits) {
      return Status::Unavailable(std::to_string(commits_.size()) +
                                 " requests already wait for the channels");
    }
    commits_.push_back(std::move(exchange));
  }
  work_.notify_one();
  return Status::Ok();
}

void HttpSource::RunCommitter() {
  while (true) {
    std::shared_ptr<Exchange> next;
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [this] { return !commits_.empty() || committer_done_; });
      if (commits_.empty()) return;
      next = std::move(commits_.front());
      commits_.pop_front();
    }
    next->Process();
  }
}

Status HttpSource::Start() {
  if (listener_) return Status::Ok();
  const bool ipv6 = bind_.find(':') != std::string::npos;
  const std::string address = (ipv6 ? "[" + bind_ + "]" : bind_) + ":" + std::to_string(port_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    committer_done_ = false;
  }
  committer_ = std::thread([this] { RunCommitter(); });
  try {
    listener_ =
        std::make_unique<web::http::experimental::listener::http_listener>("http://" + address);
    listener_->support([this](const http_request& request) {
      if (!Enter()) {
        http_response response =
            TextResponse(status_codes::ServiceUnavailable, "source " + name_ + " is stopping");
        response.headers().add("Retry-After", std::to_string(retry_after_seconds_));
        request.reply(response).then([](const pplx::task<void>& sent) {
          try {
            sent.get();
          } catch (const std::exception&) {
            // The client is gone.
          }
        });
        return;
      }
      std::shared_ptr<Exchange> exchange;
      try {
        exchange = std::make_shared<Exchange>(*this, request);
      } catch (const std::exception&) {
        processor_.metrics().open_connections->Decrement();
        Leave();
        throw;  // cpprest answers 500
      }
      exchange->Begin();
    });
    listener_->open().wait();
  } catch (const std::exception& e) {
    listener_.reset();
    StopCommitter();
    return Status::Unavailable("cannot listen on " + address + ": " + e.what());
  }
  LogMessage(LogLevel::kInfo, "source/" + name_) << "http listening on " << address;
  return Status::Ok();
}

void HttpSource::Stop() {
  if (!listener_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  try {
    // Stops accepting, closes the connections, and waits until every one of them is finished.
    listener_->close().wait();
  } catch (const std::exception& e) {
    LogMessage(LogLevel::kWarn, "source/" + name_) << "closing the listener: " << e.what();
  }
  listener_.reset();
  {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return in_flight_ == 0; });
  }
  StopCommitter();
}

void HttpSource::StopCommitter() {
  {
    std::lock_guard lock(mutex_);
    committer_done_ = true;
  }
  work_.notify_all();
  if (committer_.joinable()) committer_.join();
}

bool HttpSource::Enter() {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  ++in_flight_;
  processor_.metrics().open_connections->Increment();
  return true;
}

void HttpSource::Leave() {
  // Notified under the lock: once it is released, Stop may return and the source be destroyed.
  std::lock_guard lock(mutex_);
  --in_flight_;
  idle_.notify_all();
}

Result<std::vector<Event>> HttpSource::ParseJson(std::string_view body) {
  nlohmann::ordered_json document;
  try {
    document = nlohmann::ordered_json::parse(body.begin(), body.end());
  } catch (const nlohmann::ordered_json::parse_error& e) {
    return Status::InvalidArgument("invalid JSON at byte " + std::to_string(e.byte) + ": " +
                                   ParseErrorReason(e.what()));
  } catch (const nlohmann::ordered_json::exception& e) {
    // A number too large for any C++ type (out_of_range.406), found by fuzz/http_json_fuzz.cc.
    return Status::InvalidArgument("invalid JSON: " + ParseErrorReason(e.what()));
  }
  if (!document.is_array()) {
    return Status::InvalidArgument(std::string("expected a JSON array of events, got ") +
                                   document.type_name());
  }
  std::vector<Event> events;
  events.reserve(document.size());
  for (size_t i = 0; i < document.size(); ++i) {
    auto& item = document[i];
    const std::string at = "event[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return Status::InvalidArgument(at + ": expected an object {\"headers\": {...}, \"body\": " +
                                     "\"...\"}, got " + item.type_name());
    }
    Event event;
    if (auto headers = item.find("headers"); headers != item.end() && !headers->is_null()) {
      if (!headers->is_object()) {
        return Status::InvalidArgument(at + ".headers: expected an object, got " +
                                       headers->type_name());
      }
      for (auto& [key, value] : headers->items()) {
        if (!value.is_string()) {
          return Status::InvalidArgument(at + ".headers" + KeyPath(key) +
                                         ": expected a string, got " + value.type_name());
        }
        event.headers.Set(key, std::move(value.get_ref<std::string&>()));
      }
    }
    auto body_field = item.find("body");
    if (body_field == item.end()) {
      return Status::InvalidArgument(at + ".body: missing; every event needs a string body");
    }
    if (!body_field->is_string()) {
      return Status::InvalidArgument(at + ".body: expected a string, got " +
                                     body_field->type_name());
    }
    event.body = std::move(body_field->get_ref<std::string&>());
    events.push_back(std::move(event));
  }
  return events;
}

std::vector<Event> HttpSource::ParseText(std::string_view body) {
  std::vector<Event> events;
  size_t start = 0;
  while (start < body.size()) {
    const size_t newline = body.find('\n', start);
    const size_t end = newline == std::string_view::npos ? body.size() : newline;
    size_t length = end - start;
    if (length > 0 && body[start + length - 1] == '\r') --length;
    events.push_back(Event{{}, std::string(body.substr(start, length))});
    if (newline == std::string_view::npos) break;
    start = newline + 1;
  }
  return events;
}

ACEQUIA_REGISTER_SOURCE("http",
                        [](const api::SourceConfig& config, const ComponentContext& context,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          return std::unique_ptr<Source>(
                              std::make_unique<HttpSource>(config, context, processor));
                        });

}  // namespace acequia::sidecar
