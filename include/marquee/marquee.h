// marquee/marquee.h — Marquee's core and campaign domain in one include.
//
// The campaign headers (marquee/campaign/) are declarations only and need
// nothing beyond core's headers and Abseil, so a core-only user may include
// this too; calling a campaign function needs a link with marquee::campaign
// (built with MARQUEE_BUILD_CAMPAIGN, ON by default). The other optional
// targets, such as marquee/redis/ (which needs hiredis), are not included.
//
// Thread-safety and usage: see each header.
//
//   #include "marquee/marquee.h"
//   auto store = marquee::OpenMemoryStore({.data_dir = "data"});
#ifndef MARQUEE_MARQUEE_H_
#define MARQUEE_MARQUEE_H_

#include "marquee/api_view.h"
#include "marquee/cache.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/hashing.h"
#include "marquee/campaign/sticky_bucket.h"
#include "marquee/campaign/value.h"
#include "marquee/clock.h"
#include "marquee/codec.h"
#include "marquee/executor.h"
#include "marquee/index.h"
#include "marquee/json.h"
#include "marquee/json_writer.h"
#include "marquee/memory_store.h"
#include "marquee/page.h"
#include "marquee/record.h"
#include "marquee/schema.h"
#include "marquee/status.h"
#include "marquee/store.h"
#include "marquee/tiered_cache.h"

#endif  // MARQUEE_MARQUEE_H_
