// One accepted connection: reads requests one at a time (so pipelined
// requests are answered in order), enforces the limits and timeouts of
// ServerOptions, calls the Api on its io thread, writes the answers.
// Every member function runs on the connection's io_context thread.
#ifndef MARQUEE_SRC_HTTP_SERVER_SESSION_H_
#define MARQUEE_SRC_HTTP_SERVER_SESSION_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/server/framing.h"
#include "http/server/server_state.h"
#include "http/server/session_stream.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The caller registers the session in state.sessions; the destructor
  // removes it.
  Session(boost::asio::ip::tcp::socket socket, ServerState& state);
  ~Session();

  // Starts the TLS handshake (a TLS server) or reads the first request.
  void Start();
  // Shutdown began: close now when no request is in flight, else after
  // its answer.
  void Drain();
  // The drain time is over: close now.
  void Abort();

  // The executor of the connection's io_context.
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  enum class Phase {
    kWaiting,  // for a request's first byte or its header: nothing in flight
    kBusy,     // reading a body, calling the Api or writing an answer
    kClosing,  // answer written; discarding input until the peer closes
    kStreaming,  // writing a Response::stream until either side ends it
  };
  friend class StreamSinkImpl;

  void WaitForRequest();
  void ReadHeader();
  void OnHeader(const boost::system::error_code& ec, size_t bytes);
  void SendContinue();
  void ReadBody();
  void OnBody(const boost::system::error_code& ec, size_t bytes);
  void HandleRequest();
  // Writes `response`; closes afterwards when `close` (or when draining or
  // past max_requests_per_connection).
  void Write(Response response, bool close, std::string method, std::string target);
  void OnWrite(const boost::system::error_code& ec, size_t bytes);
  // Half-closes, then reads and drops what the peer still sends for a
  // moment, so the answer is not destroyed by a reset from unread input.
  void LingeringClose();
  void CloseNow();
  // Writes the header of a streamed answer, starts the stream and watches
  // the socket for the client going away.
  void StartStream(Response response);
  // Queues bytes of the stream (from the sink, on the io thread).
  void QueueStreamBytes(std::string bytes, bool counted);
  void WriteNextStreamBytes();

  ServerState& state_;
  SessionStream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::string remote_address_;
  Phase phase_ = Phase::kWaiting;
  size_t requests_ = 0;

  // The request being answered, for the access log.
  std::chrono::steady_clock::time_point header_done_{};
  uint64_t bytes_in_ = 0;
  std::string method_;
  std::string target_;
  // The answer's bytes while they are written (SerializeResponse), and its
  // status for the log.
  std::string response_bytes_;
  int response_status_ = 0;
  bool close_after_write_ = false;

  // The streamed answer (kStreaming): its source, the sink it writes to,
  // the bytes waiting to be written (front: being written).
  std::shared_ptr<ResponseStream> stream_body_;
  std::shared_ptr<class StreamSinkImpl> sink_;
  std::deque<std::pair<std::string, bool>> stream_out_;
  bool stream_writing_ = false;
  uint64_t stream_bytes_out_ = 0;
  int stream_status_ = 0;
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_SERVER_SESSION_H_
