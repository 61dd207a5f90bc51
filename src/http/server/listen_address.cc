#include "http/server/listen_address.h"

#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include "absl/status/status.h"

namespace marquee::http::internal {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

absl::StatusOr<tcp::endpoint> ResolveListenAddress(std::string_view listen) {
  const auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError("listen address '" + std::string(listen) + "': " +
                                      std::string(why) + " (expected host:port)");
  };
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = listen.substr(0, colon);
  const std::string_view port_text = listen.substr(colon + 1);
  uint32_t port = 0;
  if (port_text.empty() || port_text.find_first_not_of("0123456789") != std::string_view::npos ||
      port_text.size() > 5 || (port = static_cast<uint32_t>(std::stoul(std::string(port_text)))) > 65535) {
    return bad("the port must be a number within 0..65535");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("an IPv6 address must be in brackets");
  }
  if (host.empty()) return bad("no host");
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(std::string(host), ec);
  if (!ec) return tcp::endpoint(address, static_cast<uint16_t>(port));
  // Not a literal address: resolve the name (e.g. "localhost").
  asio::io_context context;
  tcp::resolver resolver(context);
  const tcp::resolver::results_type results =
      resolver.resolve(std::string(host), std::string(port_text), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return bad("host '" + std::string(host) + "' does not resolve: " + ec.message());
  }
  return results.begin()->endpoint();
}

}  // namespace marquee::http::internal
