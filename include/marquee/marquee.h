// marquee/marquee.h — everything of Marquee's core in one include.
//
// Thread-safety and usage: see each header.
//
//   #include "marquee/marquee.h"
//   auto store = marquee::OpenMemoryStore({.data_dir = "data"});
#ifndef MARQUEE_MARQUEE_H_
#define MARQUEE_MARQUEE_H_

#include "marquee/clock.h"
#include "marquee/index.h"
#include "marquee/json.h"
#include "marquee/memory_store.h"
#include "marquee/record.h"
#include "marquee/status.h"
#include "marquee/store.h"

#endif  // MARQUEE_MARQUEE_H_
