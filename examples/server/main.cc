// marquee-server — the Marquee HTTP API over an embedded MemoryStore, or
// over PostgreSQL shared by several nodes (each with its own L1 cache, and
// with --redis a shared L2 and invalidation bus).
//
//   marquee-server --data-dir /var/lib/marquee --listen 127.0.0.1:8080 --demo
//   marquee-server --postgres postgresql://marquee@db/marquee --redis redis://cache:6379
//   marquee-server --config /etc/marquee/server.json
//
// Flags: see options.cc (or --help); the config file: config_file.h; the
// flags win over the file (server_settings.h). A start-up banner goes to
// stderr, one JSON line per request to stdout (none with --access-log off).
// SIGTERM or SIGINT: stop accepting, let in-flight requests finish (up to
// timeouts.shutdownDrain, 10 seconds by default), sync the store, exit 0.
// Exit codes: 0 after a signal, 1 when the store or the server fails to
// start, 2 for a bad command line or config file.
#include <pthread.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "access_log.h"
#include "demo_seed.h"
#include "edge_metrics.h"
#include "keys.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/events.h"
#include "marquee/campaign/feature_repository.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/campaign/profile.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/http/api.h"
#include "marquee/http/edge_purger.h"
#include "marquee/http/server.h"
#include "marquee/http/webhook_sender.h"
#include "marquee/memory_store.h"
#include "options.h"
#include "read_caches.h"
#include "server_metrics.h"
#include "server_settings.h"
#include "static_files.h"
#include "store_backend.h"

namespace {

int Fail(std::string_view what, const absl::Status& status) {
  std::cerr << "marquee-server: " << what << ": " << status << "\n";
  return 1;
}

// The banner's line for the edge purger: the targets, never a header value
// (a CDN's token) nor the URL's query (some CDNs take a token there).
std::string DescribeEdge(const marquee::http::EdgePurgerOptions& options) {
  std::string text;
  for (const std::string& varnish : options.varnish) {
    text += (text.empty() ? "" : ", ") + std::string("varnish ") + varnish + " (PURGE, xkey)";
  }
  for (const marquee::http::CdnPurgeOptions& cdn : options.cdns) {
    const std::string url = cdn.url_template.substr(0, cdn.url_template.find('?'));
    text += (text.empty() ? "" : ", ") + std::string("cdn ") + cdn.method + " " + url;
    if (!cdn.headers.empty()) text += " (+" + std::to_string(cdn.headers.size()) + " headers)";
  }
  return text + "; after this node's caches hold each change, window " +
         absl::FormatDuration(options.coalesce_window);
}

}  // namespace

using marquee_server::ChooseKeys;
using marquee_server::ServerKeys;
using marquee_server::WriteServerMetrics;

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts (the store's, the
  // server's): every thread inherits the mask, and main takes them with
  // sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<marquee_server::LoadedSettings> loaded = marquee_server::LoadSettings(argc, argv);
  if (!loaded.ok()) {
    std::cerr << "marquee-server: " << loaded.status().message() << "\n";
    return 2;
  }
  for (const std::string& warning : loaded->warnings) {
    std::cerr << "marquee-server: " << warning << "\n";
  }
  marquee_server::ServerSettings& settings = loaded->settings;
  const marquee_server::ServerFlags& flags = settings.flags;
  if (flags.help) {
    std::cout << marquee_server::kUsage;
    return 0;
  }

  absl::StatusOr<marquee_server::ServerStore> opened = marquee_server::OpenServerStore(flags);
  if (!opened.ok()) return Fail("open the store", opened.status());
  // Destroyed after everything below that reads it.
  std::unique_ptr<marquee::Store> store = std::move(opened->store);
  // Null for the embedded store: the aggregates are then its records.
  std::unique_ptr<marquee::campaign::AggregateStore> aggregates = std::move(opened->aggregates);
  if (absl::Status s = marquee::campaign::PrepareCampaignStore(*store); !s.ok()) {
    return Fail("prepare the store", s);
  }
  absl::StatusOr<marquee_server::ReadCaches> caches =
      marquee_server::OpenReadCaches(store.get(), opened->shared, flags);
  if (!caches.ok()) return Fail("open the caches", caches.status());
  absl::StatusOr<std::unique_ptr<marquee::campaign::CampaignRepository>> campaigns =
      marquee::campaign::CampaignRepository::Open(store.get(), {.cache = caches->cache.get()});
  if (!campaigns.ok()) return Fail("open the campaigns", campaigns.status());

  marquee_server::SeedReport seeded;
  if (flags.demo) {
    absl::StatusOr<marquee_server::SeedReport> report =
        marquee_server::SeedDemo(*store, **campaigns);
    if (!report.ok()) return Fail("seed the demo", report.status());
    seeded = *std::move(report);
  }

  // The domain services behind the delivery routes.
  absl::StatusOr<std::unique_ptr<marquee::campaign::PollService>> polls =
      marquee::campaign::PollService::Open(store.get());
  if (!polls.ok()) return Fail("open the polls", polls.status());
  absl::StatusOr<std::unique_ptr<marquee::campaign::EventIngestor>> events =
      marquee::campaign::EventIngestor::Open(store.get(), {.aggregates = aggregates.get()});
  if (!events.ok()) return Fail("open the event ingestor", events.status());
  absl::StatusOr<std::unique_ptr<marquee::campaign::ProfileRepository>> profiles =
      marquee::campaign::ProfileRepository::Open(store.get());
  if (!profiles.ok()) return Fail("open the profiles", profiles.status());
  absl::StatusOr<std::unique_ptr<marquee::campaign::FeatureRepository>> features =
      marquee::campaign::FeatureRepository::Open(store.get());
  if (!features.ok()) return Fail("open the features", features.status());
  absl::StatusOr<std::unique_ptr<marquee::campaign::Decider>> decider =
      marquee::campaign::Decider::Open(store.get());
  if (!decider.ok()) return Fail("open the decider", decider.status());

  // Webhooks: subscriptions are managed over /v1/webhooks either way; with
  // --webhooks on (the default) this process also sends the deliveries.
  std::unique_ptr<marquee::campaign::WebhookSender> webhook_sender =
      marquee::http::MakeWebhookSender();
  absl::StatusOr<std::unique_ptr<marquee::campaign::WebhookService>> webhooks =
      marquee::campaign::WebhookService::Open(store.get(), {.sender = webhook_sender.get()});
  if (!webhooks.ok()) return Fail("open the webhooks", webhooks.status());
  if (flags.webhooks) {
    if (absl::Status s = (*webhooks)->Start(); !s.ok()) return Fail("start the webhooks", s);
  }

  absl::StatusOr<ServerKeys> keys = ChooseKeys(flags);
  if (!keys.ok()) return Fail("generate API keys", keys.status());

  const marquee::Store* const metrics_store = store.get();
  const marquee::MemoryStore* const memory_store = opened->memory;
  const marquee::TieredCache* const read_cache = caches->cache.get();
  marquee::campaign::EventIngestor* const ingestor = events->get();
  // The tunables (limits, rate limits, CORS, JWT, paging) come from the
  // settings; the services and the keys are this process's.
  marquee::http::ApiOptions api_options = settings.api;
  api_options.store = store.get();
  api_options.campaigns = campaigns->get();
  api_options.read_cache = caches->cache.get();
  api_options.decider = decider->get();
  api_options.delivery_view = &(*decider)->view();
  api_options.features = features->get();
  api_options.polls = polls->get();
  api_options.events = events->get();
  api_options.aggregates = aggregates.get();
  api_options.profiles = profiles->get();
  api_options.webhooks = webhooks->get();
  api_options.on_server_error = [](const marquee::http::Request& request,
                                   const absl::Status& status) {
    std::cerr << "marquee-server: " << request.method << " "
              << marquee_server::RedactedTarget(request.target) << ": " << status << "\n";
  };
  api_options.auth.keys = keys->auth.keys;

  // --edge-varnish / --edge-purge-url: the edge is purged by surrogate key
  // on every change, each purge once this node's delivery view and read
  // cache hold the change (else the edge would refetch the old answer).
  // Destroyed before the caches and the store it waits on and follows.
  std::unique_ptr<marquee::http::EdgePurger> edge_purger;
  marquee::http::EdgePurgerOptions edge_options = marquee_server::EdgePurgeOptionsOf(settings);
  std::string edge_description = "none (--edge-varnish, --edge-purge-url)";
  if (!edge_options.varnish.empty() || !edge_options.cdns.empty()) {
    edge_description = DescribeEdge(edge_options);
    edge_options.store = store.get();
    edge_options.delivery_view = &(*decider)->view();
    edge_options.read_cache = caches->cache.get();
    edge_options.on_error = [](const absl::Status& status) {
      std::cerr << "marquee-server: " << status.message() << "\n";
    };
    absl::StatusOr<std::unique_ptr<marquee::http::EdgePurger>> started =
        marquee::http::EdgePurger::Start(std::move(edge_options));
    if (!started.ok()) return Fail("start the edge purger", started.status());
    edge_purger = *std::move(started);
  }
  const marquee::http::EdgePurger* const purger_metrics = edge_purger.get();
  api_options.extra_metrics = [metrics_store, memory_store, read_cache, ingestor, purger_metrics,
                               redis_metrics = caches->write_redis_metrics](
                                  marquee::http::PrometheusText& out) {
    WriteServerMetrics(*metrics_store, memory_store, read_cache, *ingestor, out);
    if (redis_metrics) redis_metrics(out);
    if (purger_metrics != nullptr) {
      marquee_server::WriteEdgePurgeMetrics(purger_metrics->stats(), out);
    }
  };
  absl::StatusOr<std::unique_ptr<marquee::http::Api>> api =
      marquee::http::Api::Create(std::move(api_options));
  if (!api.ok()) return Fail("create the API", api.status());

  // --web-dir: a site (examples/web, the demo campaign page) served
  // read-only under /web/, beside the API, on the same origin: its pages
  // call the API without CORS.
  std::unique_ptr<marquee_server::StaticFiles> site;
  if (!flags.web_dir.empty()) {
    absl::StatusOr<std::unique_ptr<marquee_server::StaticFiles>> opened_site =
        marquee_server::StaticFiles::Open({.directory = flags.web_dir});
    if (!opened_site.ok()) {
      std::cerr << "marquee-server: --web-dir: " << opened_site.status().message() << "\n";
      return 2;
    }
    site = *std::move(opened_site);
  }

  // The limits and timeouts come from the settings; where to listen, the
  // threads and TLS from the flags (or their config keys).
  marquee::http::ServerOptions server_options = settings.server;
  server_options.listen = flags.listen;
  server_options.threads = flags.threads;
  server_options.tls_certificate_file = flags.tls_cert;
  server_options.tls_private_key_file = flags.tls_key;
  server_options.access_log = flags.access_log ? &marquee_server::LogRequest : nullptr;
  if (site != nullptr) {
    const marquee_server::StaticFiles* files = site.get();
    server_options.host_routes = [files](const marquee::http::Request& request) {
      return files->Handle(request);
    };
  }
  absl::StatusOr<std::unique_ptr<marquee::http::Server>> server =
      marquee::http::Server::Start(**api, std::move(server_options));
  if (!server.ok()) {
    std::cerr << "marquee-server: " << server.status().message() << "\n";
    return absl::IsInvalidArgument(server.status()) ? 2 : 1;
  }
  const uint16_t port = (*server)->port();
  if (!flags.port_file.empty()) {
    // Written whole, then renamed: a reader never sees half a number.
    const std::string temp = flags.port_file + ".tmp";
    std::ofstream(temp) << port << "\n";
    if (std::rename(temp.c_str(), flags.port_file.c_str()) != 0) {
      return Fail("write the port file", absl::InternalError(flags.port_file));
    }
  }

  const std::string host = flags.listen.substr(0, flags.listen.rfind(':'));
  const std::string scheme = flags.tls_cert.empty() ? "http://" : "https://";
  const std::string base = scheme + host + ":" + std::to_string(port);
  std::cerr << "marquee-server listening on " << base << "\n";
  if (!flags.config_file.empty()) std::cerr << "  config: " << flags.config_file << "\n";
  std::cerr << "  store: " << opened->description;
  if (opened->memory != nullptr) std::cerr << ", " << opened->memory->stats().records << " records";
  std::cerr << "\n"
            << "  read caches: " << caches->description << "\n"
            << "  webhooks: " << (flags.webhooks ? "sending" : "not sent (--webhooks off)")
            << "\n"
            << "  edge purge: " << edge_description << "\n";
  if (flags.demo) {
    std::cerr << "  demo data:\n";
    for (const std::string& line : seeded) std::cerr << "    " << line << "\n";
  }
  for (const std::string& line : keys->banner) std::cerr << "  " << line << "\n";
  if (site != nullptr) {
    // The delivery key travels in the fragment, which browsers never send:
    // it stays out of requests and logs; the page keeps it in localStorage.
    std::cerr << "  web: " << site->directory() << " at " << base << "/web/\n"
              << "    open " << base << "/web/"
              << (keys->delivery_key.empty() ? "" : "#key=" + keys->delivery_key) << "\n";
  }
  const std::string admin_header =
      keys->admin_key.empty() ? "" : " -H \"Authorization: Bearer " + keys->admin_key + "\"";
  std::cerr << "  try:\n"
            << "    curl -s " << base << "/healthz\n"
            << "    curl -s" << admin_header << " '" << base << "/v1/campaigns?status=live'\n"
            << "    curl -si" << admin_header << " " << base << "/v1/campaigns/spring-sale\n"
            << "    curl -s" << admin_header << " '" << base << "/v1/decide?user=u42&attr.country=DE'\n"
            << "    curl -si -X POST" << admin_header << " " << base
            << "/v1/campaigns -H 'Content-Type: application/json' \\\n"
            << "         -d '{\"id\":\"my-first\",\"name\":\"My first campaign\","
               "\"status\":\"draft\",\"variants\":[{\"key\":\"a\",\"weight\":1}]}'\n"
            << "  one JSON line per request follows on stdout; Ctrl-C stops.\n";

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "marquee-server: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
            << ", draining in-flight requests\n";
  (*server)->Shutdown(settings.shutdown_drain);
  if (edge_purger != nullptr) edge_purger->Stop();  // sends what is pending once
  (*webhooks)->Stop();
  std::cerr << "marquee-server: stopped\n";
  return 0;
}
