// marquee/http/webhook_sender.h — the WebhookSender of marquee/campaign/
// webhooks.h on cpp-httplib's client (target marquee::http_httplib).
//
// Each Post opens a connection (http, or https verified against the system's
// certificate store or ca_file), sends the signed POST, reads the status
// line and headers, and closes without reading the answer's body, so a
// receiver cannot make Marquee read without bound. Redirects are not
// followed (a 3xx is a failed attempt). Every phase has a timeout.
// Thread-safety: Post may be called concurrently.
//
//   auto sender = marquee::http::MakeWebhookSender({.timeout = absl::Seconds(5)});
//   auto hooks = marquee::campaign::WebhookService::Open(store, {.sender = sender.get()});
#ifndef MARQUEE_HTTP_WEBHOOK_SENDER_H_
#define MARQUEE_HTTP_WEBHOOK_SENDER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/export.h"

namespace marquee::http {

struct WebhookSenderOptions {
  // Connecting (TCP, and the TLS handshake for https). Default: 3 s.
  absl::Duration connect_timeout = absl::Seconds(3);
  // Sending the request and reading the answer's headers, each. Default: 10 s.
  absl::Duration timeout = absl::Seconds(10);
  // https: a PEM file of trusted CA certificates; "": the system's store.
  // Default: "".
  std::string ca_file{};
};

MARQUEE_EXPORT std::unique_ptr<campaign::WebhookSender> MakeWebhookSender(
    const WebhookSenderOptions& options = {});

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_WEBHOOK_SENDER_H_
