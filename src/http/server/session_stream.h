// The byte stream of one connection: plain TCP, or TLS over it. Beast's
// HTTP reads and writes take it as any AsyncReadStream/AsyncWriteStream, so
// Session has one code path for both; timeouts stay on the TCP layer
// (beast::tcp_stream), which the TLS layer reads and writes through.
// Every member runs on the connection's io thread. A TLS connection allows
// one read and one write in flight at once, as a plain one does.
#ifndef MARQUEE_SRC_HTTP_SERVER_SESSION_STREAM_H_
#define MARQUEE_SRC_HTTP_SERVER_SESSION_STREAM_H_

#include <memory>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace marquee::http::internal {

class SessionStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using TlsLayer = boost::asio::ssl::stream<boost::beast::tcp_stream&>;

  // `tls` null: plain TCP. Else the connection speaks TLS once Handshake
  // completed; the context must outlive the stream.
  SessionStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls)
      : tcp_(std::move(socket)) {
    if (tls != nullptr) tls_ = std::make_unique<TlsLayer>(tcp_, *tls);
  }

  executor_type get_executor() { return tcp_.get_executor(); }
  boost::beast::tcp_stream& tcp() { return tcp_; }
  boost::asio::ip::tcp::socket& socket() { return tcp_.socket(); }
  bool tls() const { return tls_ != nullptr; }

  // The server side of the TLS handshake; call only when tls().
  template <class Handler>
  void AsyncHandshake(Handler&& handler) {
    tls_->async_handshake(boost::asio::ssl::stream_base::server, std::forward<Handler>(handler));
  }
  // Sends TLS close_notify and waits for the peer's; call only when tls().
  template <class Handler>
  void AsyncShutdown(Handler&& handler) {
    tls_->async_shutdown(std::forward<Handler>(handler));
  }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }
  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

 private:
  boost::beast::tcp_stream tcp_;
  std::unique_ptr<TlsLayer> tls_;  // refers to tcp_: declared after it
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_SERVER_SESSION_STREAM_H_
