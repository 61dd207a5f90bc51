// The demo data of `marquee-server --demo`, written through the campaign
// domain's C++ calls, idempotently: what already exists (from an earlier run
// on the same data dir) is found and left as it is.
#ifndef MARQUEE_EXAMPLES_SERVER_DEMO_SEED_H_
#define MARQUEE_EXAMPLES_SERVER_DEMO_SEED_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/store.h"

namespace marquee_server {

// One line per seeded thing, for the banner ("campaign spring-sale: created").
using SeedReport = std::vector<std::string>;

// Seeds segments, campaigns (live, scheduled and draft, with variants and
// schedules), feature flags (one running an experiment), a live poll with
// votes, and a few profiles. Errors: those of the domain calls.
absl::StatusOr<SeedReport> SeedDemo(marquee::Store& store,
                                    marquee::campaign::CampaignRepository& campaigns);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_DEMO_SEED_H_
