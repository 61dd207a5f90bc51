// Parsing of ServerOptions::listen ("host:port") into a TCP endpoint.
#ifndef MARQUEE_SRC_HTTP_SERVER_LISTEN_ADDRESS_H_
#define MARQUEE_SRC_HTTP_SERVER_LISTEN_ADDRESS_H_

#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "absl/status/statusor.h"

namespace marquee::http::internal {

// The endpoint `listen` names: "127.0.0.1:8080", "[::1]:0", "localhost:80".
// Errors: InvalidArgument (not host:port, a port that is not 0..65535, a
// host that does not resolve).
absl::StatusOr<boost::asio::ip::tcp::endpoint> ResolveListenAddress(std::string_view listen);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_SERVER_LISTEN_ADDRESS_H_
