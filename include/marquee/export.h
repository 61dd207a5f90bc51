// marquee/export.h — symbol visibility for the shared library build.
//
// The library is built with hidden visibility; MARQUEE_EXPORT marks the
// declarations that make up the public API (leveldb's export.h habit).
#ifndef MARQUEE_EXPORT_H_
#define MARQUEE_EXPORT_H_

#if defined(MARQUEE_SHARED_LIBRARY) && defined(MARQUEE_COMPILING_LIBRARY)
#define MARQUEE_EXPORT __attribute__((visibility("default")))
#else
#define MARQUEE_EXPORT
#endif

#endif  // MARQUEE_EXPORT_H_
