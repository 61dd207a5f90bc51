// The TLS context of a Server: the certificate chain and key of
// ServerOptions, TLS 1.2 as the floor, no renegotiation.
#ifndef MARQUEE_SRC_HTTP_SERVER_TLS_CONTEXT_H_
#define MARQUEE_SRC_HTTP_SERVER_TLS_CONTEXT_H_

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "absl/status/statusor.h"
#include "marquee/http/server.h"

namespace marquee::http::internal {

// Null when the options name no certificate (plain HTTP). InvalidArgument
// when only one of the two files is named, a file cannot be read or parsed,
// or the key does not belong to the certificate.
absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeTlsContext(
    const ServerOptions& options);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_SERVER_TLS_CONTEXT_H_
