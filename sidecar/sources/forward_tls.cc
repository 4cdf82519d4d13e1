#include "sidecar/sources/forward_tls.h"

#include <sys/stat.h>

#include "common/logging.h"

namespace acequia::sidecar {

namespace ssl = boost::asio::ssl;

namespace {

constexpr auto kContextOptions = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                 ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                 ssl::context::no_tlsv1_1 | ssl::context::single_dh_use;

Status Loaded(const boost::system::error_code& ec, const std::string& what,
              const std::string& file) {
  if (!ec) return Status::Ok();
  return Status::InvalidArgument("cannot load " + what + " " + file + ": " + ec.message());
}

}  // namespace

ForwardServerTls::ForwardServerTls(std::string scope, std::string cert_file, std::string key_file,
                                   std::string client_ca_file)
    : scope_(std::move(scope)),
      cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      client_ca_file_(std::move(client_ca_file)) {}

Result<std::unique_ptr<ForwardServerTls>> ForwardServerTls::Create(std::string scope,
                                                                   std::string cert_file,
                                                                   std::string key_file,
                                                                   std::string client_ca_file) {
  if (cert_file.empty() || key_file.empty()) {
    return Status::InvalidArgument("tls.enabled needs tls.certFile and tls.keyFile");
  }
  std::unique_ptr<ForwardServerTls> tls(new ForwardServerTls(
      std::move(scope), std::move(cert_file), std::move(key_file), std::move(client_ca_file)));
  tls->stamps_ = tls->Stamps();
  auto context = tls->Load();
  if (!context.ok()) return context.status();
  tls->context_ = std::move(context).value();
  return tls;
}

std::vector<std::string> ForwardServerTls::Stamps() const {
  std::vector<std::string> stamps;
  for (const std::string* file : {&cert_file_, &key_file_, &client_ca_file_}) {
    struct stat st {};
    if (file->empty() || ::stat(file->c_str(), &st) != 0) {
      stamps.emplace_back();
      continue;
    }
    stamps.push_back(std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
                     std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec));
  }
  return stamps;
}

Result<std::shared_ptr<ssl::context>> ForwardServerTls::Load() const {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(kContextOptions, ec);
  context->use_certificate_chain_file(cert_file_, ec);
  if (Status s = Loaded(ec, "tls.certFile", cert_file_); !s.ok()) return s;
  context->use_private_key_file(key_file_, ssl::context::pem, ec);
  if (Status s = Loaded(ec, "tls.keyFile", key_file_); !s.ok()) return s;
  if (!client_ca_file_.empty()) {
    context->load_verify_file(client_ca_file_, ec);
    if (Status s = Loaded(ec, "tls.clientCaFile", client_ca_file_); !s.ok()) return s;
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  } else {
    context->set_verify_mode(ssl::verify_none, ec);
  }
  return context;
}

std::shared_ptr<ssl::context> ForwardServerTls::Current() {
  auto stamps = Stamps();
  if (stamps != stamps_) {
    stamps_ = std::move(stamps);
    auto context = Load();
    if (context.ok()) {
      context_ = std::move(context).value();
      LogMessage(LogLevel::kInfo, scope_) << "reloaded the TLS certificate, key and client CA";
    } else {
      LogMessage(LogLevel::kError, scope_)
          << context.status().message() << "; keeping the previously loaded certificates";
    }
  }
  return context_;
}

Result<std::unique_ptr<ssl::context>> MakeForwardClientTls(const std::string& ca_file,
                                                           const std::string& cert_file,
                                                           const std::string& key_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(kContextOptions, ec);
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (Status s = Loaded(ec, "the system's CA certificates", ""); !s.ok()) return s;
  } else {
    context->load_verify_file(ca_file, ec);
    if (Status s = Loaded(ec, "tls.caFile", ca_file); !s.ok()) return s;
  }
  if (cert_file.empty() != key_file.empty()) {
    return Status::InvalidArgument("tls.certFile and tls.keyFile go together (mutual TLS)");
  }
  if (!cert_file.empty()) {
    context->use_certificate_chain_file(cert_file, ec);
    if (Status s = Loaded(ec, "tls.certFile", cert_file); !s.ok()) return s;
    context->use_private_key_file(key_file, ssl::context::pem, ec);
    if (Status s = Loaded(ec, "tls.keyFile", key_file); !s.ok()) return s;
  }
  context->set_verify_mode(ssl::verify_peer, ec);
  return context;
}

}  // namespace acequia::sidecar
