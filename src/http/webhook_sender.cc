// WebhookSender on cpp-httplib's client (webhook_sender.h).
#include "marquee/http/webhook_sender.h"

#include <httplib.h>

#include <chrono>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace marquee::http {
namespace {

std::chrono::microseconds ToChrono(absl::Duration d) {
  return std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

class HttplibWebhookSender final : public campaign::WebhookSender {
 public:
  explicit HttplibWebhookSender(WebhookSenderOptions options) : options_(std::move(options)) {}

  absl::StatusOr<int> Post(const campaign::WebhookRequest& request) override {
    // scheme://authority and the rest (path and query), split here so the
    // client gets exactly the target the subscriber registered.
    const std::string_view url = request.url;
    const size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
      return absl::InvalidArgumentError("webhook url: no scheme");
    }
    const std::string scheme = absl::AsciiStrToLower(std::string(url.substr(0, scheme_end)));
    if (scheme != "http" && scheme != "https") {
      return absl::InvalidArgumentError("webhook url: expected http or https");
    }
    const size_t authority_start = scheme_end + 3;
    const size_t path_start = url.find_first_of("/?", authority_start);
    const std::string authority(url.substr(authority_start, path_start - authority_start));
    std::string target = path_start == std::string_view::npos ? "/" : std::string(url.substr(path_start));
    if (target.front() == '?') target.insert(0, "/");

    httplib::Client client(absl::StrCat(scheme, "://", authority));
    if (!client.is_valid()) return absl::InvalidArgumentError("webhook url: not a valid host");
    client.set_connection_timeout(ToChrono(options_.connect_timeout));
    client.set_read_timeout(ToChrono(options_.timeout));
    client.set_write_timeout(ToChrono(options_.timeout));
    client.set_keep_alive(false);
    client.set_follow_location(false);
    if (scheme == "https") {
      client.enable_server_certificate_verification(true);
      if (!options_.ca_file.empty()) client.set_ca_cert_path(options_.ca_file);
    }

    httplib::Request req;
    req.method = "POST";
    req.path = target;
    std::string content_type = "application/json";
    for (const auto& [name, value] : request.headers) {
      if (absl::EqualsIgnoreCase(name, "content-type")) {
        content_type = value;
      } else {
        req.headers.emplace(name, value);
      }
    }
    req.headers.emplace("Content-Type", content_type);
    req.body = request.body;
    // The status is all a delivery needs: stop before the answer's body.
    int status = 0;
    req.response_handler = [&status](const httplib::Response& response) {
      status = response.status;
      return false;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    client.send(req, res, error);
    // cpp-httplib skips the handler when there is no body to read (204).
    if (status == 0 && error == httplib::Error::Success) status = res.status;
    if (status > 0) return status;
    switch (error) {
      case httplib::Error::Connection:
        return absl::UnavailableError("could not connect to the receiver");
      case httplib::Error::ConnectionTimeout:
        return absl::DeadlineExceededError("timed out connecting to the receiver");
      case httplib::Error::Read:
      case httplib::Error::Write:
        return absl::DeadlineExceededError(
            "no answer from the receiver in time (or it closed the connection)");
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLServerVerification:
        return absl::UnavailableError(
            absl::StrCat("TLS with the receiver failed: ", httplib::to_string(error)));
      default:
        return absl::UnavailableError(
            absl::StrCat("the POST to the receiver failed: ", httplib::to_string(error)));
    }
  }

 private:
  const WebhookSenderOptions options_;
};

}  // namespace

std::unique_ptr<campaign::WebhookSender> MakeWebhookSender(const WebhookSenderOptions& options) {
  return std::make_unique<HttplibWebhookSender>(options);
}

}  // namespace marquee::http
