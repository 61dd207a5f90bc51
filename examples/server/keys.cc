#include "keys.h"

#include <string>

namespace marquee_server {

absl::StatusOr<ServerKeys> ChooseKeys(const ServerFlags& flags) {
  using marquee::http::ApiScope;
  ServerKeys keys;
  std::string admin = flags.admin_key;
  std::string delivery = flags.delivery_key;
  const bool generated = flags.demo && admin.empty() && delivery.empty();
  if (generated) {
    absl::StatusOr<std::string> a = marquee::http::GenerateApiKey();
    if (!a.ok()) return a.status();
    absl::StatusOr<std::string> d = marquee::http::GenerateApiKey();
    if (!d.ok()) return d.status();
    admin = *a;
    delivery = *d;
    keys.admin_key = admin;
    keys.delivery_key = delivery;
    keys.banner = {"API keys (generated for this run; pass --admin-key/--delivery-key, or "
                   "adminKey/deliveryKey in --config, to choose):",
                   "  admin:    " + admin, "  delivery: " + delivery};
  } else if (admin.empty() && delivery.empty()) {
    keys.banner = {"no API keys: the API is open to anyone who can reach this address (pass "
                   "--admin-key and --delivery-key, or adminKey and deliveryKey in --config)"};
  } else {
    // The operator's keys are not echoed: the examples name a variable.
    keys.banner = {"API keys: the ones given; the examples below read the admin key from "
                   "$MARQUEE_ADMIN_KEY"};
    if (!admin.empty()) keys.admin_key = "$MARQUEE_ADMIN_KEY";
  }
  // Only digests are kept past this point.
  if (!admin.empty()) {
    keys.auth.keys.push_back({.name = "admin",
                              .sha256_hex = marquee::http::HashApiKey(admin),
                              .scope = ApiScope::kAdmin});
  }
  if (!delivery.empty()) {
    keys.auth.keys.push_back({.name = "delivery",
                              .sha256_hex = marquee::http::HashApiKey(delivery),
                              .scope = ApiScope::kDelivery});
  }
  return keys;
}

}  // namespace marquee_server
