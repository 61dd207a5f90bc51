// Uses marquee::http through the installed package only: an Api over a
// memory-only store answers /healthz and a campaign round trip; with the
// httplib and client components, the Api is also mounted on a cpp-httplib
// server and a client is made. Exits non-zero on any surprise, so ctest
// sees it.
#include <cstdlib>
#include <iostream>

#include "marquee/campaign/campaign_repository.h"
#include "marquee/http/api.h"
#include "marquee/memory_store.h"

#ifdef MARQUEE_CONSUMER_USES_HTTPLIB
#include <httplib.h>

#include "marquee/client/client.h"
#include "marquee/http/httplib_mount.h"
#endif

int main() {
  auto store = marquee::OpenMemoryStore();
  if (!store.ok()) return EXIT_FAILURE;
  auto repo = marquee::campaign::CampaignRepository::Open(store->get());
  if (!repo.ok()) return EXIT_FAILURE;
  auto api = marquee::http::Api::Create({.store = store->get(), .campaigns = repo->get()});
  if (!api.ok()) {
    std::cerr << "Api::Create: " << api.status() << "\n";
    return EXIT_FAILURE;
  }
  marquee::http::Response health = (*api)->Handle({.method = "GET", .target = "/healthz"});
  marquee::http::Request post{.method = "POST", .target = "/v1/campaigns"};
  post.headers.Add("Content-Type", "application/json");
  post.body = R"({"id":"spring","name":"Spring","status":"draft",)"
              R"("variants":[{"key":"a","weight":1}]})";
  marquee::http::Response created = (*api)->Handle(post);
  marquee::http::Response read =
      (*api)->Handle({.method = "GET", .target = "/v1/campaigns/spring"});
  if (health.status != 200 || created.status != 201 || read.status != 200) {
    std::cerr << "statuses " << health.status << " " << created.status << " " << read.status << ": "
              << created.body << "\n";
    return EXIT_FAILURE;
  }
#ifdef MARQUEE_CONSUMER_USES_HTTPLIB
  // Mounted, not listening: proves the component links and its options work.
  httplib::Server server;
  if (absl::Status mounted = marquee::http::Mount(server, **api); !mounted.ok()) {
    std::cerr << "Mount: " << mounted << "\n";
    return EXIT_FAILURE;
  }
  std::cout << "http_consumer: mounted on a cpp-httplib server\n";
  auto client = marquee::client::Client::Create({.base_url = "http://127.0.0.1:1"});
  if (!client.ok()) {
    std::cerr << "Client::Create: " << client.status() << "\n";
    return EXIT_FAILURE;
  }
  std::cout << "http_consumer: made a marquee::client::Client\n";
#endif
  std::cout << "http_consumer: " << read.body << "\n";
  return EXIT_SUCCESS;
}
