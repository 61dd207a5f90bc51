// marquee/marquee.h — everything of Marquee's core in one include (the
// optional targets, such as marquee/redis/, have their own headers).
//
// Thread-safety and usage: see each header.
//
//   #include "marquee/marquee.h"
//   auto store = marquee::OpenMemoryStore({.data_dir = "data"});
#ifndef MARQUEE_MARQUEE_H_
#define MARQUEE_MARQUEE_H_

#include "marquee/api_view.h"
#include "marquee/cache.h"
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
