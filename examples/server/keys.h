// The API keys marquee-server accepts: those given by flag or config file, or
// with --demo and none given, a generated admin and delivery key pair.
#ifndef MARQUEE_EXAMPLES_SERVER_KEYS_H_
#define MARQUEE_EXAMPLES_SERVER_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/http/auth.h"
#include "options.h"

namespace marquee_server {

struct ServerKeys {
  marquee::http::AuthOptions auth;
  // The admin key for the banner's curl examples: in clear when generated,
  // "$MARQUEE_ADMIN_KEY" when the operator gave one (theirs is not echoed),
  // empty when there is none.
  std::string admin_key;
  // The delivery key for the web page's link (--web-dir): in clear when
  // generated, empty otherwise (an operator's key is not echoed; the page
  // then asks for it).
  std::string delivery_key;
  // Lines for the start-up banner: generated keys, or a warning that the
  // API is open.
  std::vector<std::string> banner;
};

// Errors: Internal (no randomness for generated keys).
absl::StatusOr<ServerKeys> ChooseKeys(const ServerFlags& flags);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_KEYS_H_
