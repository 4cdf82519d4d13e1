// The listening socket every TCP source opens: parse the bind address, open, SO_REUSEADDR (a
// restarted agent rebinds at once), bind, listen. Errors name the address and port. And, at Stop,
// the closing of the connections it accepted. Call from the thread that owns the acceptor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/asio.h"
#include "common/status.h"

namespace acequia::sidecar {

// `address_field` names the bind address in errors ("bind address", "host").
Status ListenTcp(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                 uint16_t port, std::string_view address_field = "bind address");

// Closes every connection of `connections` (a set of shared pointers to objects with Close()).
// Walks a copy: a connection may leave the set as it closes.
template <typename Connections>
void CloseConnections(const Connections& connections) {
  const Connections open = connections;
  for (const auto& connection : open) connection->Close();
}

}  // namespace acequia::sidecar
