#include "sidecar/sources/tcp_listener.h"

namespace acequia::sidecar {

Status ListenTcp(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                 uint16_t port, std::string_view address_field) {
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) {
    return Status::InvalidArgument(std::string(address_field) + " \"" + address + "\": " +
                                   ec.message());
  }
  tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return Status::Unavailable("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                               ec.message());
  }
  return Status::Ok();
}

}  // namespace acequia::sidecar
