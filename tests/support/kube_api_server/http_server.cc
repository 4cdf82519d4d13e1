#include "tests/support/kube_api_server/http_server.h"

#include <sys/socket.h>

#include <boost/asio/ssl.hpp>
#include <sstream>

#include "common/asio.h"

namespace acequia::testing::kube {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr size_t kMaxBody = 64 << 20;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += in[i];
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

std::string StatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpRequest::Query(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;
};

// One accepted socket, plain or TLS, read and written synchronously by its own thread.
struct HttpServer::Connection : HttpResponder {
  explicit Connection(tcp::socket socket) : plain(std::move(socket)) {}

  tcp::socket plain;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> secure;
  asio::streambuf in;
  std::string remote;
  std::thread thread;
  std::atomic<bool> done{false};
  bool broken = false;
  bool close_after = false;

  template <typename F>
  auto WithStream(F&& f) {
    if (secure) return f(*secure);
    return f(plain);
  }

  bool WriteAll(std::string_view data) {
    if (broken) return false;
    boost::system::error_code ec;
    WithStream([&](auto& s) { return asio::write(s, asio::buffer(data.data(), data.size()), ec); });
    if (ec) broken = true;
    return !ec;
  }

  // Reads until `delim`, returning the text before it (and consuming the delimiter).
  std::optional<std::string> ReadUntil(const std::string& delim) {
    boost::system::error_code ec;
    size_t n = WithStream([&](auto& s) { return asio::read_until(s, in, delim, ec); });
    if (ec) return std::nullopt;
    std::string data(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + n);
    in.consume(n);
    return data.substr(0, data.size() - delim.size());
  }

  std::optional<std::string> ReadExactly(size_t n) {
    boost::system::error_code ec;
    if (in.size() < n) {
      WithStream(
          [&](auto& s) { return asio::read(s, in, asio::transfer_exactly(n - in.size()), ec); });
      if (ec) return std::nullopt;
    }
    std::string data(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + n);
    in.consume(n);
    return data;
  }

  std::string Head(int status, const std::string& content_type,
                   const std::map<std::string, std::string>& headers) {
    std::ostringstream head;
    head << "HTTP/1.1 " << status << " " << StatusText(status) << "\r\n";
    if (!content_type.empty()) head << "Content-Type: " << content_type << "\r\n";
    head << "Cache-Control: no-cache, private\r\n";
    for (const auto& [k, v] : headers) head << k << ": " << v << "\r\n";
    if (close_after) head << "Connection: close\r\n";
    return head.str();
  }

  bool Send(int status, const std::string& content_type, const std::string& body,
            const std::map<std::string, std::string>& headers) override {
    std::string out = Head(status, content_type, headers);
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    return WriteAll(out);
  }
  bool StartChunked(int status, const std::string& content_type) override {
    return WriteAll(Head(status, content_type, {}) + "Transfer-Encoding: chunked\r\n\r\n");
  }
  bool WriteChunk(std::string_view data) override {
    if (data.empty()) return !broken;
    std::ostringstream size;
    size << std::hex << data.size();
    std::string out = size.str() + "\r\n";
    out.append(data);
    out += "\r\n";
    return WriteAll(out);
  }
  bool EndChunked() override { return WriteAll("0\r\n\r\n"); }
  void Abort() override {
    broken = true;
    close_after = true;
    Shutdown();
  }
  void Shutdown() {
    // shutdown(2) wakes a thread blocked in read or write on this socket; close happens later.
    ::shutdown(plain.native_handle(), SHUT_RDWR);
  }
};

HttpServer::HttpServer(Handler handler) : handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& host, int port, std::optional<Tls> tls) {
  impl_ = std::make_unique<Impl>();
  try {
    if (tls) {
      impl_->tls.emplace(asio::ssl::context::tls_server);
      impl_->tls->set_options(asio::ssl::context::default_workarounds |
                              asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3);
      impl_->tls->use_certificate_chain_file(tls->cert_file);
      impl_->tls->use_private_key_file(tls->key_file, asio::ssl::context::pem);
      if (!tls->client_ca_file.empty()) {
        impl_->tls->load_verify_file(tls->client_ca_file);
        impl_->tls->set_verify_mode(asio::ssl::verify_peer |
                                    asio::ssl::verify_fail_if_no_peer_cert);
      }
    }
    tcp::endpoint endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port));
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
  } catch (const std::exception& e) {
    impl_.reset();
    return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                               e.what());
  }
  stopping_ = false;
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return Status::Ok();
}

void HttpServer::AcceptLoop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket(impl_->io);
    impl_->acceptor.accept(socket, ec);
    if (stopping_) break;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = std::make_shared<Connection>(std::move(socket));
    std::lock_guard lock(mu_);
    ReapFinished();
    connections_.push_back(connection);
    connection->thread = std::thread([this, connection] { Serve(connection); });
  }
}

void HttpServer::ReapFinished() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if ((*it)->done) {
      if ((*it)->thread.joinable()) (*it)->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void HttpServer::Serve(std::shared_ptr<Connection> c) {
  boost::system::error_code ec;
  c->remote = c->plain.remote_endpoint(ec).address().to_string();
  if (impl_->tls) {
    c->secure = std::make_unique<asio::ssl::stream<tcp::socket&>>(c->plain, *impl_->tls);
    c->secure->handshake(asio::ssl::stream_base::server, ec);
    if (ec) {
      c->Shutdown();
      c->done = true;
      return;
    }
  }
  while (!stopping_ && !c->broken) {
    auto head = c->ReadUntil("\r\n\r\n");
    if (!head) break;
    HttpRequest request;
    request.remote = c->remote;
    std::istringstream lines(*head);
    std::string line;
    std::getline(lines, line);
    std::istringstream request_line(line);
    std::string version;
    request_line >> request.method >> request.target >> version;
    while (std::getline(lines, line)) {
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      request.headers[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
    }
    size_t q = request.target.find('?');
    request.path = PercentDecode(request.target.substr(0, q), false);
    if (q != std::string::npos) {
      std::string query = request.target.substr(q + 1);
      size_t start = 0;
      while (start < query.size()) {
        size_t amp = query.find('&', start);
        if (amp == std::string::npos) amp = query.size();
        std::string pair = query.substr(start, amp - start);
        size_t eq = pair.find('=');
        std::string key = PercentDecode(pair.substr(0, eq), true);
        std::string value = eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
        if (!key.empty()) request.query[key] = value;
        start = amp + 1;
      }
    }
    if (Lower(request.Header("transfer-encoding")) == "chunked") {
      bool ok = true;
      while (true) {
        auto size_line = c->ReadUntil("\r\n");
        if (!size_line) {
          ok = false;
          break;
        }
        size_t size = std::stoul(*size_line, nullptr, 16);
        if (size == 0) {
          c->ReadUntil("\r\n");
          break;
        }
        auto data = c->ReadExactly(size + 2);
        if (!data || request.body.size() + size > kMaxBody) {
          ok = false;
          break;
        }
        request.body += data->substr(0, size);
      }
      if (!ok) break;
    } else if (auto length = request.Header("content-length"); !length.empty()) {
      size_t n = std::stoul(length);
      if (n > kMaxBody) break;
      auto body = c->ReadExactly(n);
      if (!body) break;
      request.body = std::move(*body);
    }
    c->close_after = Lower(request.Header("connection")) == "close" || version == "HTTP/1.0";
    handler_(request, *c);
    if (c->close_after) break;
  }
  if (c->secure && !c->broken) {
    boost::system::error_code ignored;
    c->secure->shutdown(ignored);
  }
  c->Shutdown();
  c->done = true;
}

void HttpServer::DropConnections() {
  std::lock_guard lock(mu_);
  for (auto& c : connections_) {
    if (!c->done) c->Shutdown();
  }
}

void HttpServer::Stop() {
  if (!impl_) return;
  stopping_ = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  std::list<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(mu_);
    connections.swap(connections_);
  }
  for (auto& c : connections) c->Shutdown();
  for (auto& c : connections) {
    if (c->thread.joinable()) c->thread.join();
  }
  connections.clear();  // the sockets go before the io_context they belong to
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  impl_.reset();
}

}  // namespace acequia::testing::kube
