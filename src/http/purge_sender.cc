#include "http/purge_sender.h"

#include <httplib.h>

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "http/text_internal.h"

namespace marquee::http::internal {
namespace {

std::chrono::microseconds ToChrono(absl::Duration d) {
  return std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

}  // namespace

absl::Status SendPurgeRequest(const PurgeTarget& target, const PurgeRequest& request,
                              const PurgeSendOptions& options) {
  const std::string host =
      target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host;
  httplib::Client client(absl::StrCat(target.scheme, "://", host, ":", target.port));
  if (!client.is_valid()) {
    return absl::FailedPreconditionError(absl::StrCat(target.label, ": not a valid address"));
  }
  client.set_connection_timeout(ToChrono(options.connect_timeout));
  client.set_read_timeout(ToChrono(options.request_timeout));
  client.set_write_timeout(ToChrono(options.request_timeout));
  client.set_keep_alive(false);
  client.set_follow_location(false);
  if (target.scheme == "https") {
    client.enable_server_certificate_verification(true);
    if (!options.ca_file.empty()) client.set_ca_cert_path(options.ca_file);
  }
  httplib::Request req;
  req.method = request.method;
  req.path = request.target;
  for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  client.send(req, res, error);
  if (error != httplib::Error::Success) {
    return absl::UnavailableError(
        absl::StrCat(target.label, ": ", request.method, " failed: ", httplib::to_string(error)));
  }
  const int status = res.status;
  if (status >= 200 && status < 300) return absl::OkStatus();
  const std::string what = absl::StrCat(target.label, ": ", request.method, " answered ", status);
  if (status >= 500 || status == 408 || status == 429) return absl::UnavailableError(what);
  return absl::FailedPreconditionError(what + " (the purge was refused)");
}

}  // namespace marquee::http::internal
