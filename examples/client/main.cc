// examples/client — a C++ program that talks to a running marquee-server
// through marquee::client, as a backend or a server-side renderer would.
//
// It uses the two keys a deployment hands out: an admin key for the
// back-office calls (list live campaigns, read one, see its ETag revalidate)
// and a delivery key for what a page does for one visitor (decide, record an
// impression and a click, vote in a poll, read the poll's results). It
// expects the data `marquee-server --demo` seeds: the campaign spring-sale
// and the poll favourite-banner.
//
//   marquee-server --demo --admin-key "$ADMIN" --delivery-key "$DELIVERY" &
//   client http://127.0.0.1:8080 "$ADMIN" "$DELIVERY" [USER]
//
// Exits 0 after printing each step, 1 on the first failed call (with the
// call's Status), 2 for a bad command line.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/value.h"
#include "marquee/client/client.h"
#include "marquee/json.h"

namespace {

namespace mc = marquee::campaign;
using marquee::client::Client;

constexpr std::string_view kPoll = "favourite-banner";

int Fail(std::string_view step, const absl::Status& status) {
  std::cerr << "client: " << step << ": " << status << "\n";
  return EXIT_FAILURE;
}

// The back office: a page of live campaigns, then one campaign read twice;
// the second read is a 304 revalidation answered from the client's cache.
absl::Status ShowCampaigns(Client& admin) {
  marquee::client::CampaignPager pages = admin.ListCampaigns({.status = "live", .page_size = 10});
  absl::StatusOr<std::vector<mc::Campaign>> live = pages.Next();
  if (!live.ok()) return live.status();
  std::cout << "live campaigns:";
  for (const mc::Campaign& c : *live) std::cout << " " << c.id << " (priority " << c.priority << ")";
  std::cout << "\n";

  absl::StatusOr<mc::Campaign> spring = admin.GetCampaign("spring-sale");
  if (!spring.ok()) return spring.status();
  std::cout << "spring-sale: \"" << spring->name << "\", " << spring->variants.size()
            << " variants, version " << spring->version << "\n";
  // The same GET again: the client sends If-None-Match and the server
  // answers 304, so no body crosses the network.
  absl::StatusOr<marquee::client::Reply> again =
      admin.Send({.method = "GET", .target = "/v1/campaigns/spring-sale"});
  if (!again.ok()) return again.status();
  std::cout << "read again: HTTP " << again->status
            << (again->from_cache ? " from the client's cache after a 304" : "") << "\n";
  return absl::OkStatus();
}

// What a page does for one visitor: decide, then report what it showed and
// what the visitor clicked. Returns the variant shown ("" when none).
absl::StatusOr<std::string> ServeVisitor(Client& delivery, const std::string& user) {
  absl::StatusOr<marquee::Json> decision = delivery.Decide(
      {.user = user, .attributes_json = R"({"country":"DE"})", .placement = "home.hero"});
  if (!decision.ok()) return decision.status();
  absl::StatusOr<mc::Value> value = mc::Value::FromJson(*decision);
  if (!value.ok()) return value.status();
  const mc::Value* campaigns = value->Find("campaigns");
  if (campaigns == nullptr || !campaigns->is_array() || campaigns->size() == 0) {
    std::cout << "decide: nothing to show to " << user << "\n";
    return std::string();
  }
  const mc::Value& first = campaigns->At(0);
  const std::string campaign(first.Find("id")->as_string());
  const std::string variant(first.Find("variant")->as_string());
  const mc::Value* headline = first.GetPath("content.headline");
  std::cout << "decide: " << user << " sees " << campaign << "/" << variant << ": \""
            << (headline != nullptr ? headline->as_string() : "") << "\"\n";

  // Both events in one all-or-nothing batch.
  const std::string now = absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone());
  const std::string events_text = "[" +
      std::string(R"({"type":"impression","campaign":")") + campaign + R"(","variant":")" +
      variant + R"(","user":")" + user + R"(","time":")" + now + R"("},)" +
      R"({"type":"click","campaign":")" + campaign + R"(","variant":")" + variant +
      R"(","user":")" + user + R"(","time":")" + now + R"("}])";
  absl::StatusOr<marquee::Json> events = marquee::Json::Parse(events_text);
  if (!events.ok()) return events.status();
  absl::StatusOr<int64_t> accepted = delivery.SendEvents(*events);
  if (!accepted.ok()) return accepted.status();
  std::cout << "events: " << *accepted << " accepted (impression, click)\n";
  return variant;
}

// The visitor votes for the banner they saw, then reads the tally.
absl::Status VoteAndShowResults(Client& delivery, const std::string& user,
                                const std::string& option) {
  absl::StatusOr<marquee::client::VoteOutcome> vote =
      delivery.Vote({.poll = std::string(kPoll), .user = user, .option = option});
  if (!vote.ok()) return vote.status();
  const char* outcome = *vote == marquee::client::VoteOutcome::kCreated   ? "counted"
                        : *vote == marquee::client::VoteOutcome::kChanged ? "changed"
                                                                          : "unchanged";
  std::cout << "vote: " << user << " -> " << option << " (" << outcome << ")\n";

  absl::StatusOr<marquee::client::PollResults> results = delivery.GetPollResults(kPoll);
  if (!results.ok()) return results.status();
  std::cout << "results of " << results->poll << ":";
  for (const auto& [key, count] : results->counts) std::cout << " " << key << "=" << count;
  std::cout << " (total " << results->total << ")\n";
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::cerr << "usage: client BASE_URL ADMIN_KEY DELIVERY_KEY [USER]\n"
                 "  e.g. client http://127.0.0.1:8080 mq_... mq_... u42\n";
    return 2;
  }
  const std::string base_url = argv[1];
  const std::string user = argc == 5 ? argv[4] : "u42";

  // One client per key: a page's backend would hold only the delivery one.
  absl::StatusOr<std::unique_ptr<Client>> admin =
      Client::Create({.base_url = base_url, .api_key = argv[2]});
  if (!admin.ok()) return Fail("create the admin client", admin.status());
  absl::StatusOr<std::unique_ptr<Client>> delivery =
      Client::Create({.base_url = base_url, .api_key = argv[3]});
  if (!delivery.ok()) return Fail("create the delivery client", delivery.status());

  if (absl::Status s = ShowCampaigns(**admin); !s.ok()) return Fail("campaigns", s);
  absl::StatusOr<std::string> shown = ServeVisitor(**delivery, user);
  if (!shown.ok()) return Fail("serve a visitor", shown.status());
  // The poll's options are the banner variants; vote for the one shown.
  const std::string option = shown->empty() ? "control" : *shown;
  if (absl::Status s = VoteAndShowResults(**delivery, user, option); !s.ok()) {
    return Fail("poll", s);
  }
  std::cout << "client: done\n";
  return EXIT_SUCCESS;
}
