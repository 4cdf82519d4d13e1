// The listening socket every TCP source opens: parse the bind address, open, SO_REUSEADDR (a
// restarted agent rebinds at once), bind, listen. Errors name the address and port. Call from the
// thread that owns the acceptor.
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

}  // namespace acequia::sidecar
