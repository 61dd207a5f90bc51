// Sticky-bucket lookups of one experiment in a Context's documents.
#ifndef MARQUEE_SRC_CAMPAIGN_STICKY_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_STICKY_INTERNAL_H_

#include <string>
#include <string_view>

#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/experiment.h"

namespace marquee::campaign::internal {

// "<experiment key>__<bucket version>".
std::string StickyExperimentKey(std::string_view experiment_key, int bucket_version);

struct StickyVariation {
  int variation = -1;            // -1: no usable assignment
  bool version_blocked = false;  // an assignment below min_bucket_version exists
};

// getStickyBucketVariation: the assignment of `experiment` in the documents
// of the user's hash attribute, else of the fallback attribute (default
// "id"), mapped to a variation index through the experiment's meta keys.
StickyVariation GetStickyBucketVariation(const Context& context, const Experiment& experiment);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_STICKY_INTERNAL_H_
