#include "sidecar/sinks/http_sink.h"

#include <cpprest/http_client.h>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/logging.h"
#include "sidecar/core/event_json.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {
namespace {

using web::http::client::http_client;
using web::http::client::http_client_config;

// A short, printable excerpt of an answer's body for the log.
std::string Excerpt(const std::string& body) {
  constexpr size_t kMax = 200;
  std::string out;
  for (size_t i = 0; i < body.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : ' ');
  }
  if (body.size() > kMax) out += "…";
  return out;
}

bool SameTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

std::string HttpSink::EncodeJson(std::span<const Event> events) {
  std::string out = "[";
  for (const auto& event : events) {
    if (out.size() > 1) out.push_back(',');
    AppendEventJson(event, &out);
  }
  out.push_back(']');
  return out;
}

std::string HttpSink::EncodeText(std::span<const Event> events) {
  size_t size = 0;
  for (const auto& event : events) size += event.body.size() + 1;
  std::string out;
  out.reserve(size);
  for (const auto& event : events) {
    out += event.body;
    out += '\n';
  }
  return out;
}

bool HttpSink::StatusRule::Decide(int code) const {
  if (auto it = exact.find(std::to_string(code)); it != exact.end()) return it->second;
  if (auto it = by_class.find(static_cast<char>('0' + code / 100)); it != by_class.end()) {
    return it->second;
  }
  return fallback;
}

void HttpSink::ParseRule(const api::SinkConfig& config, const char* overrides, const char* fallback,
                         StatusRule* rule) {
  rule->fallback = config.properties.GetBool(fallback);
  // The catalogue's key pattern admits only "503"-style codes and "5XX"-style classes.
  for (const auto& [key, value] : config.properties.GetBoolMap(overrides)) {
    if (std::isdigit(static_cast<unsigned char>(key[1]))) {
      rule->exact[key] = value;
    } else {
      rule->by_class[key[0]] = value;
    }
  }
}

HttpSink::HttpSink(const api::SinkConfig& config)
    : name_(config.name),
      path_(config.path),
      endpoint_(config.properties.GetString("endpoint")),
      format_(config.properties.GetString("format") == "text" ? Format::kText : Format::kJson),
      content_type_(!config.properties.GetString("contentType").empty()
                        ? config.properties.GetString("contentType")
                    : format_ == Format::kText ? "text/plain; charset=utf-8"
                                               : "application/json"),
      extra_headers_(config.properties.GetMap("headers")),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      connect_timeout_(config.properties.GetDuration("connectTimeout")),
      request_timeout_(config.properties.GetDuration("requestTimeout")),
      ca_file_(config.properties.GetString("caFile")),
      insecure_(config.properties.GetBool("insecureSkipVerify")),
      token_file_(config.properties.GetString("bearerTokenFile")) {}

HttpSink::~HttpSink() { Stop(); }

Result<std::unique_ptr<HttpSink>> HttpSink::Create(const api::SinkConfig& config) {
  std::unique_ptr<HttpSink> sink(new HttpSink(config));
  // The catalogue's rules checked the URL's form, the status keys and the headers; cpprestsdk
  // must still accept the URL.
  try {
    web::uri uri(sink->endpoint_);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(config.path + ".endpoint: not a valid URL: " + e.what());
  }
  ParseRule(config, "backoff", "defaultBackoff", &sink->backoff_);
  ParseRule(config, "rollback", "defaultRollback", &sink->rollback_);
  ParseRule(config, "incrementMetrics", "defaultIncrementMetrics", &sink->increment_metrics_);
  return sink;
}

Status HttpSink::Start() {
  if (!ca_file_.empty() && access(ca_file_.c_str(), R_OK) != 0) {
    return Status::InvalidArgument(path_ + ".caFile: cannot read " + ca_file_);
  }
  if (!token_file_.empty()) {
    if (Status s = RefreshToken(true); !s.ok()) return s;
  }
  return Connect();
}

Status HttpSink::Connect() {
  http_client_config config;
  config.set_timeout(connect_timeout_);
  config.set_validate_certificates(!insecure_);
  const std::string ca_file = ca_file_;
  config.set_ssl_context_callback([ca_file](boost::asio::ssl::context& context) {
    if (ca_file.empty()) return;
    // Trust exactly the given authorities, not the system's as well.
    SSL_CTX_set_cert_store(context.native_handle(), X509_STORE_new());
    boost::system::error_code ignored;  // an unreadable file fails every handshake, visibly
    context.load_verify_file(ca_file, ignored);
  });
  try {
    client_ = std::make_unique<http_client>(endpoint_, config);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(path_ + ".endpoint: " + e.what());
  }
  return Status::Ok();
}

void HttpSink::Stop() { client_.reset(); }

Status HttpSink::RefreshToken(bool force) {
  struct stat st {};
  if (stat(token_file_.c_str(), &st) != 0) {
    if (token_read_) return Status::Ok();  // mid-rotation: keep the last token
    return Status::Unavailable(path_ + ".bearerTokenFile: cannot read " + token_file_);
  }
  if (!force && token_read_ && st.st_ino == token_inode_ && st.st_size == token_size_ &&
      SameTime(st.st_mtim, token_mtime_)) {
    return Status::Ok();
  }
  std::ifstream in(token_file_);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  size_t start = 0;
  while (start < token.size() && std::isspace(static_cast<unsigned char>(token[start]))) ++start;
  token.erase(0, start);
  if (!in.good() && !in.eof()) {
    if (token_read_) return Status::Ok();
    return Status::Unavailable(path_ + ".bearerTokenFile: cannot read " + token_file_);
  }
  if (token.empty() && token_read_) return Status::Ok();  // a file being rewritten
  token_ = std::move(token);
  token_read_ = true;
  token_inode_ = st.st_ino;
  token_size_ = st.st_size;
  token_mtime_ = st.st_mtim;
  return Status::Ok();
}

HttpSink::Answer HttpSink::Post(const std::string& body) {
  web::http::http_request request(web::http::methods::POST);
  for (const auto& [key, value] : extra_headers_) request.headers().add(key, value);
  if (!token_.empty()) request.headers().add("Authorization", "Bearer " + token_);
  request.set_body(body, content_type_);
  request.headers().set_content_type(content_type_);

  auto promise = std::make_shared<std::promise<Answer>>();
  auto future = promise->get_future();
  pplx::cancellation_token_source cancel;
  try {
    client_->request(request, cancel.get_token())
        .then([](web::http::http_response response) {
          return response.extract_vector().then([response](std::vector<unsigned char> bytes) {
            return Answer{response.status_code(), std::string(bytes.begin(), bytes.end()), ""};
          });
        })
        .then([promise](pplx::task<Answer> done) {
          try {
            promise->set_value(done.get());
          } catch (const std::exception& e) {
            promise->set_value(Answer{0, "", e.what()});
          } catch (...) {
            promise->set_value(Answer{0, "", "request failed"});
          }
        });
  } catch (const std::exception& e) {
    return Answer{0, "", e.what()};
  }
  if (future.wait_for(request_timeout_) == std::future_status::timeout) {
    cancel.cancel();
    future.wait_for(std::chrono::seconds(1));  // let the cancelled exchange wind down
    return Answer{0, "", "no complete answer within requestTimeout"};
  }
  return future.get();
}

Status HttpSink::Deliver(std::span<const Event> events) {
  failure_ = FailureHandling{};
  if (!client_) return Status::Internal("http sink " + name_ + " is not started");
  if (!token_file_.empty()) {
    if (Status s = RefreshToken(false); !s.ok()) return s;
  }
  const std::string body = format_ == Format::kText ? EncodeText(events) : EncodeJson(events);
  Answer answer = Post(body);
  if (answer.status == 401 && !token_file_.empty()) {
    // The token may have been rotated since the file was last looked at.
    if (RefreshToken(true).ok()) answer = Post(body);
  }
  if (answer.status == 0) {
    // Start over with a new client: its pool may hold more connections the endpoint has closed
    // (it restarted), each of which would fail one more delivery.
    if (Status s = Connect(); !s.ok()) return s;
    return Status::Unavailable("POST of " + std::to_string(events.size()) +
                               " events failed: " + answer.error);
  }
  if (answer.status >= 200 && answer.status < 300) return Status::Ok();
  failure_.rollback = rollback_.Decide(answer.status);
  failure_.backoff = backoff_.Decide(answer.status);
  failure_.count_drained = increment_metrics_.Decide(answer.status);
  std::string message = "endpoint answered " + std::to_string(answer.status);
  if (!answer.body.empty()) message += ": " + Excerpt(answer.body);
  return answer.status >= 400 && answer.status < 500 ? Status::InvalidArgument(message)
                                                     : Status::Internal(message);
}

ACEQUIA_REGISTER_SINK("http",
                      [](const api::SinkConfig& config,
                         const ComponentContext&) -> Result<std::unique_ptr<Sink>> {
                        auto sink = HttpSink::Create(config);
                        if (!sink.ok()) return sink.status();
                        return std::unique_ptr<Sink>(std::move(sink).value());
                      });

}  // namespace acequia::sidecar
