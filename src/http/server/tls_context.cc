#include "http/server/tls_context.h"

#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace marquee::http::internal {

namespace asio = boost::asio;

namespace {

// OpenSSL's reason for the last failure ("no such file", "key values
// mismatch"), for an operator reading the error; the queue is emptied so
// the next TLS call starts clean.
std::string LastOpenSslError() {
  const unsigned long code = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  ERR_clear_error();
  if (code == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : absl::StrCat("OpenSSL error ", code);
}

absl::Status Refused(absl::string_view option, absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(option, " '", path, "': ", what, " (", LastOpenSslError(), ")"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<asio::ssl::context>> MakeTlsContext(const ServerOptions& options) {
  const std::string& cert = options.tls_certificate_file;
  const std::string& key = options.tls_private_key_file;
  if (cert.empty() && key.empty()) return nullptr;
  if (cert.empty() || key.empty()) {
    return absl::InvalidArgumentError(
        "tls_certificate_file and tls_private_key_file: give both or neither");
  }
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  // TLS 1.0 and 1.1 are deprecated (RFC 8996). Client-initiated
  // renegotiation would let one client make the server redo handshakes.
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return absl::InternalError("cannot set TLS 1.2 as the minimum version");
  }
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1) {
    return Refused("tls_certificate_file", cert, "cannot load a PEM certificate chain");
  }
  if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL checks the key against the certificate while loading it.
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    return Refused("tls_private_key_file", key,
                   mismatch ? "does not match the certificate" : "cannot load a PEM private key");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Refused("tls_private_key_file", key, "does not match the certificate");
  }
  return context;
}

}  // namespace marquee::http::internal
