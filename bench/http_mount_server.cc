// http_mount_server — the Marquee Api on a cpp-httplib server through
// marquee::http::Mount, for bench/run_http_bench (docs/benchmarks.md, "HTTP").
//
// Opens a memory-only MemoryStore, prepares the campaign collections, creates
// the Api with one admin key, mounts it on an httplib::Server with the
// hardening options of httplib_mount.h spelled out (the defaults, which a
// host would start from) and listens on 127.0.0.1. The bench seeds the
// campaign it reads through the API itself (POST /v1/campaigns), the same
// request it sends to marquee-server. No access log: cpp-httplib has none
// unless the host installs a logger, and this one does not.
//
//   http_mount_server --admin-key KEY --port-file FILE [--threads N]
//
// --threads is MountOptions::max_connections (cpp-httplib's worker pool:
// one thread per connection served at once; default 64). It runs until
// SIGTERM or SIGINT.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <httplib.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/collections.h"
#include "marquee/http/api.h"
#include "marquee/http/auth.h"
#include "marquee/http/httplib_mount.h"
#include "marquee/memory_store.h"

namespace {

int Fail(std::string_view what, const absl::Status& status) {
  std::cerr << "http_mount_server: " << what << ": " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string admin_key;
  std::string port_file;
  size_t threads = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (arg == "--admin-key") {
      admin_key = argv[i + 1];
    } else if (arg == "--port-file") {
      port_file = argv[i + 1];
    } else if (arg == "--threads") {
      threads = std::strtoul(argv[i + 1], nullptr, 10);
    } else {
      std::cerr << "http_mount_server: unknown option '" << arg << "'\n";
      return 2;
    }
  }
  if (admin_key.empty() || port_file.empty() || argc % 2 == 0) {
    std::cerr << "usage: http_mount_server --admin-key KEY --port-file FILE [--threads N]\n";
    return 2;
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> store = marquee::OpenMemoryStore({});
  if (!store.ok()) return Fail("open the store", store.status());
  if (absl::Status s = marquee::campaign::PrepareCampaignStore(**store); !s.ok()) {
    return Fail("prepare the store", s);
  }
  absl::StatusOr<std::unique_ptr<marquee::campaign::CampaignRepository>> campaigns =
      marquee::campaign::CampaignRepository::Open(store->get());
  if (!campaigns.ok()) return Fail("open the campaigns", campaigns.status());

  marquee::http::AuthOptions auth;
  auth.keys.push_back({.name = "admin",
                       .sha256_hex = marquee::http::HashApiKey(admin_key),
                       .scope = marquee::http::ApiScope::kAdmin});
  absl::StatusOr<std::unique_ptr<marquee::http::Api>> api = marquee::http::Api::Create(
      {.store = store->get(), .campaigns = campaigns->get(), .auth = auth});
  if (!api.ok()) return Fail("create the API", api.status());

  httplib::Server server;
  absl::Status mounted = marquee::http::Mount(server, **api,
                                              {.max_body_bytes = size_t{1} << 20,
                                               .max_header_count = 100,
                                               .max_connections = threads,
                                               .keep_alive_max_requests = 1000,
                                               .keep_alive_timeout = absl::Seconds(5),
                                               .io_timeout = absl::Seconds(5)});
  if (!mounted.ok()) return Fail("mount the API", mounted);

  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return Fail("bind", absl::UnavailableError("127.0.0.1: no free port"));
  std::thread listener([&server] { server.listen_after_bind(); });
  {
    // Written whole, then renamed: a reader never sees half a number.
    const std::string temp = port_file + ".tmp";
    std::ofstream(temp) << port << "\n";
    if (std::rename(temp.c_str(), port_file.c_str()) != 0) {
      server.stop();
      listener.join();
      return Fail("write the port file", absl::InternalError(port_file));
    }
  }
  std::cerr << "http_mount_server: listening on http://127.0.0.1:" << port << ", "
            << threads << " worker threads\n";

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  listener.join();
  return 0;
}
