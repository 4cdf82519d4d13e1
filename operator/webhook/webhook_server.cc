// The webhook's HTTPS server (see webhook_server.h).
//
// One io_context, run by kIoThreads threads, owns the acceptor and every connection. A connection
// is a Session, owned only by shared_ptrs: the pending asynchronous operation's handler, and the
// queued Job while a worker runs its handler. So a session lives exactly as long as something
// still has to happen on it, and its TLS stream (with its OpenSSL objects) goes with it.
// Per session, all on its strand: TLS handshake -> read one request -> queue it (or answer 404/405
// at once) -> a worker posts the response back -> write -> read the next request (keep-alive) or
// send close_notify and close. Every step but the handler's own run has a deadline.
#include "operator/webhook/webhook_server.h"

#include <openssl/ssl.h>

#include <chrono>
#include <future>
#include <optional>

// clang-format off
#include "common/asio.h"
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
// clang-format on

#include "common/logging.h"

namespace acequia::webhook {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr size_t kIoThreads = 2;
// A handshake, a request, a response or an idle keep-alive connection: at most this long each.
constexpr std::chrono::seconds kIoTimeout{30};
constexpr std::chrono::seconds kShutdownTimeout{5};
// How long Stop() lets connections finish their last response and close_notify.
constexpr std::chrono::seconds kStopGrace{5};
// The API server's own limit on a request body; a review is never larger.
constexpr uint64_t kMaxBodyBytes = uint64_t{3} << 20;
constexpr const char* kText = "text/plain; charset=utf-8";
constexpr const char* kJson = "application/json";

}  // namespace

struct WebhookServer::Job {
  std::shared_ptr<Session> session;
  std::string path;
  std::string body;
  std::chrono::steady_clock::time_point received;
};

struct WebhookServer::Transport {
  // The TLS context for the current certificate; rebuilt when the PEM changes. Acceptor strand.
  std::shared_ptr<ssl::context> TlsContext(const std::function<CertificateBundle()>& certificate);
  std::vector<std::shared_ptr<Session>> LiveSessions();

  // Declared before the io_context: sessions destroyed with its pending handlers deregister here.
  std::mutex mu;
  std::condition_variable changed;
  std::map<Session*, std::weak_ptr<Session>> sessions;

  asio::io_context io{static_cast<int>(kIoThreads)};
  tcp::acceptor acceptor{asio::make_strand(io)};
  asio::steady_timer retry{acceptor.get_executor()};  // after an accept error (EMFILE)
  std::shared_ptr<ssl::context> tls;
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
};

std::shared_ptr<ssl::context> WebhookServer::Transport::TlsContext(
    const std::function<CertificateBundle()>& certificate) {
  CertificateBundle bundle;
  try {
    bundle = certificate();
  } catch (const std::exception& e) {
    LogMessage(LogLevel::kWarn, "webhook") << "serving certificate: " << e.what();
    return nullptr;
  }
  if (tls && bundle.cert_pem == tls_cert_pem && bundle.key_pem == tls_key_pem) return tls;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->use_certificate_chain(asio::buffer(bundle.cert_pem.data(), bundle.cert_pem.size()), ec);
  if (!ec) {
    ctx->use_private_key(asio::buffer(bundle.key_pem.data(), bundle.key_pem.size()),
                         ssl::context::pem, ec);
  }
  if (ec) {
    LogMessage(LogLevel::kWarn, "webhook") << "serving certificate: " << ec.message();
    return nullptr;
  }
  tls = std::move(ctx);
  tls_cert_pem = std::move(bundle.cert_pem);
  tls_key_pem = std::move(bundle.key_pem);
  return tls;
}

std::vector<std::shared_ptr<WebhookServer::Session>> WebhookServer::Transport::LiveSessions() {
  std::vector<std::shared_ptr<Session>> live;
  std::lock_guard lock(mu);
  for (auto& [raw, weak] : sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

// One TLS connection. Every member but the constructor's arguments is touched on its strand only.
class WebhookServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(WebhookServer& server, Transport& transport, tcp::socket socket,
          std::shared_ptr<ssl::context> tls)
      : server_(server),
        transport_(transport),
        tls_(std::move(tls)),
        stream_(std::move(socket), *tls_) {}

  ~Session() {
    std::lock_guard lock(transport_.mu);
    transport_.sessions.erase(this);
    transport_.changed.notify_all();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Handshake(); });
  }

  // From any thread: answers the request this session waits for.
  void Reply(unsigned status, std::string body, const char* content_type) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), status, body = std::move(body), content_type]() mutable {
                 self->Write(status, std::move(body), content_type);
               });
  }

  // From any thread (Stop): an idle connection closes now, a busy one after its response.
  void Drain() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->state_ == State::kHandshaking || self->state_ == State::kReading) self->Close();
    });
  }

 private:
  enum class State { kHandshaking, kReading, kWaiting, kWriting, kShuttingDown, kClosed };

  void Handshake() {
    state_ = State::kHandshaking;
    beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec || self->closing_) return self->Close();
                              self->Read();
                            });
  }

  void Read() {
    state_ = State::kReading;
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return Shutdown();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      state_ = State::kWaiting;
      return Write(413, "the body is over " + std::to_string(kMaxBodyBytes) + " bytes\n", kText);
    }
    if (ec) return Close();  // a timeout, a reset, or not HTTP
    http::request<http::string_body> request = parser_->release();
    parser_.reset();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    state_ = State::kWaiting;
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    if (request.method() != http::verb::post) {
      return Write(405, "admission reviews are POSTed\n", kText);
    }
    if (!server_.handlers_.count(path)) return Write(404, "no webhook at " + path + "\n", kText);
    auto job = std::make_shared<Job>();
    job->session = shared_from_this();
    job->path = path;
    job->body = std::move(request.body());
    job->received = std::chrono::steady_clock::now();
    if (!server_.Enqueue(std::move(job))) Write(503, "shutting down\n", kText);
  }

  void Write(unsigned status, std::string body, const char* content_type) {
    if (state_ != State::kWaiting) return;  // closed meanwhile (Stop)
    state_ = State::kWriting;
    response_.emplace(static_cast<http::status>(status), version_);
    response_->set(http::field::content_type, content_type);
    response_->keep_alive(keep_alive_ && !closing_);
    response_->body() = std::move(body);
    response_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        const bool again = self->response_->keep_alive() && !self->closing_;
                        self->response_.reset();
                        if (again) return self->Read();
                        self->Shutdown();
                      });
  }

  // close_notify, then close: the client reads to the end of the response, not to a reset.
  void Shutdown() {
    state_ = State::kShuttingDown;
    beast::get_lowest_layer(stream_).expires_after(kShutdownTimeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->Close(); });
  }

  void Close() {
    state_ = State::kClosed;
    beast::get_lowest_layer(stream_).close();
  }

  WebhookServer& server_;
  Transport& transport_;
  std::shared_ptr<ssl::context> tls_;  // outlives stream_
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  State state_ = State::kHandshaking;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool closing_ = false;
};

WebhookServer::WebhookServer(Options options, std::function<CertificateBundle()> certificate)
    : options_(std::move(options)), certificate_(std::move(certificate)) {
  if (!options_.registry) options_.registry = std::make_shared<prometheus::Registry>();
  requests_ = &prometheus::BuildCounter()
                   .Name("controller_runtime_webhook_requests_total")
                   .Help("Total number of admission requests by HTTP status code.")
                   .Register(*options_.registry);
  latency_ = &prometheus::BuildHistogram()
                  .Name("controller_runtime_webhook_latency_seconds")
                  .Help("Histogram of the latency of processing admission requests.")
                  .Register(*options_.registry);
}

WebhookServer::~WebhookServer() { Stop(); }

void WebhookServer::Handle(const std::string& path, Handler handler) {
  handlers_[path] = std::move(handler);
}

Status WebhookServer::Start() {
  const std::string url = "https://" + options_.host + ":" + std::to_string(options_.port);
  std::string host = options_.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto transport = std::make_unique<Transport>();
  try {
    tcp::resolver resolver(transport->io);
    const auto endpoints =
        resolver.resolve(host, std::to_string(options_.port), tcp::resolver::passive);
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    transport->acceptor.open(endpoint.protocol());
    transport->acceptor.set_option(asio::socket_base::reuse_address(true));
    transport->acceptor.bind(endpoint);
    transport->acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot serve the webhooks on " + url + ": " + e.what());
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  for (size_t i = 0; i < std::max<size_t>(1, options_.workers); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
  transport_ = std::move(transport);
  transport_->work.emplace(transport_->io.get_executor());
  Accept();
  for (size_t i = 0; i < kIoThreads; ++i) {
    transport_->threads.emplace_back([t = transport_.get()] {
      for (;;) {
        try {
          t->io.run();
          return;
        } catch (const std::exception& e) {
          LogMessage(LogLevel::kWarn, "webhook") << "I/O thread: " << e.what();
        }
      }
    });
  }
  return Status::Ok();
}

void WebhookServer::Accept() {
  Transport& t = *transport_;
  auto on_accept = [this, &t](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !t.acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors, most likely: try again shortly rather than spin.
      LogMessage(LogLevel::kWarn, "webhook") << "accepting a connection: " << ec.message();
      t.retry.expires_after(std::chrono::milliseconds(100));
      t.retry.async_wait([this](beast::error_code wait) {
        if (!wait) Accept();
      });
      return;
    }
    // The response and the close_notify after it are two small writes: without TCP_NODELAY the
    // second waits for the client's delayed ACK (40 ms).
    socket.set_option(tcp::no_delay(true), ec);
    if (auto tls = t.TlsContext(certificate_)) {
      auto session = std::make_shared<Session>(*this, t, std::move(socket), std::move(tls));
      {
        std::lock_guard lock(t.mu);
        t.sessions.emplace(session.get(), session);
      }
      session->Start();
    }
    Accept();
  };
  t.acceptor.async_accept(asio::make_strand(t.io), std::move(on_accept));
}

bool WebhookServer::Enqueue(std::shared_ptr<Job> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void WebhookServer::Stop() {
  Transport* t = transport_.get();
  if (t) {
    // No new connections.
    std::promise<void> closed;
    asio::dispatch(t->acceptor.get_executor(), [t, &closed] {
      boost::system::error_code ignored;
      t->acceptor.close(ignored);
      t->retry.cancel();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  // Whatever is still queued gets an answer rather than a dropped connection.
  std::deque<std::shared_ptr<Job>> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queue_);
  }
  for (auto& job : left) job->session->Reply(503, "shutting down\n", kText);
  left.clear();
  if (!t) return;
  // Idle connections close now, the others once their last response is written.
  for (auto& session : t->LiveSessions()) session->Drain();
  {
    std::unique_lock lock(t->mu);
    t->changed.wait_for(lock, kStopGrace, [t] { return t->sessions.empty(); });
  }
  // What is left (a client that never reads its response) is destroyed with the io_context.
  t->work.reset();
  t->io.stop();
  for (auto& thread : t->threads) thread.join();
  transport_.reset();
}

void WebhookServer::Work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    int code = 200;
    std::string body;
    const char* content_type = kJson;
    Json review = Json::parse(job->body, nullptr, false);
    auto request = review.is_discarded()
                       ? Result<AdmissionRequest>(Status::InvalidArgument("the body is not JSON"))
                       : ParseAdmissionReview(review);
    if (!request.ok()) {
      code = 400;
      content_type = kText;
      body = request.status().message() + "\n";
    } else {
      std::optional<AdmissionResponse> answer;
      std::string error;
      try {
        answer = handlers_.at(job->path)(*request);
        if (answer->is_error()) error = answer->response()["status"].value("message", "");
      } catch (const std::exception& e) {
        error = std::string("acequia webhook: ") + e.what();
      }
      if (!error.empty()) {
        // No decision: HTTP 500 hands it to the configuration's failurePolicy.
        LogMessage(LogLevel::kWarn, "webhook") << job->path << ": " << error;
        code = 500;
        content_type = kText;
        body = error + "\n";
      } else {
        LogMessage(LogLevel::kDebug, "webhook")
            << job->path << " " << request->kind << " " << request->ns << "/" << request->name
            << " " << request->operation << ": allowed=" << answer->allowed();
        body = answer->ToReview().dump();
      }
    }
    job->session->Reply(static_cast<unsigned>(code), std::move(body), content_type);
    requests_->Add({{"webhook", job->path}, {"code", std::to_string(code)}}).Increment();
    latency_
        ->Add({{"webhook", job->path}},
              prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                      2.5, 5, 10})
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - job->received)
                     .count());
  }
}

}  // namespace acequia::webhook
