// TLS set-up for the forward protocol, shared by the forward source (server) and sink (client):
// OpenSSL contexts for Boost.Asio's ssl::stream, TLS 1.2 or newer only.
// ForwardServerTls holds the server's context and re-reads the certificate, key and client CA
// whenever one of the files changes, so certificates rotate without a restart; a change that
// fails to load is logged and the previous context stays in use.
// Threading: ForwardServerTls is used from the source's I/O thread only (Create from any);
// MakeForwardClientTls is pure apart from reading the files.
#pragma once

#include <memory>
#include <string>
#include <vector>

// clang-format off
#include "common/asio.h"
#include <boost/asio/ssl.hpp>
// clang-format on

#include "common/status.h"

namespace acequia::sidecar {

class ForwardServerTls {
 public:
  // `client_ca_file` empty: clients are not asked for a certificate. Otherwise a client must
  // present one signed by that CA, or the handshake fails.
  static Result<std::unique_ptr<ForwardServerTls>> Create(std::string scope, std::string cert_file,
                                                          std::string key_file,
                                                          std::string client_ca_file);

  // The context for a new connection: reloaded first when a file changed since the last load.
  std::shared_ptr<boost::asio::ssl::context> Current();
  bool verifies_clients() const { return !client_ca_file_.empty(); }

 private:
  ForwardServerTls(std::string scope, std::string cert_file, std::string key_file,
                   std::string client_ca_file);
  Result<std::shared_ptr<boost::asio::ssl::context>> Load() const;
  // Inode, size and modification time of every file: a change means reload.
  std::vector<std::string> Stamps() const;

  std::string scope_;
  std::string cert_file_;
  std::string key_file_;
  std::string client_ca_file_;
  std::vector<std::string> stamps_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

// A client context: trusts `ca_file` (the system's CAs when empty) and presents `cert_file` and
// `key_file` when given (mutual TLS).
Result<std::unique_ptr<boost::asio::ssl::context>> MakeForwardClientTls(
    const std::string& ca_file, const std::string& cert_file, const std::string& key_file);

}  // namespace acequia::sidecar
