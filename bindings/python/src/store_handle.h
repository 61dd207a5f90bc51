// StoreHandle: the Python object marquee.Store, shared by everything built
// on the store (repositories, services, paginators, iterators).
//
// The MemoryStore itself is held by shared_ptr: close() drops the handle's
// reference and makes every later call through the handle raise
// FailedPreconditionError("store is closed"); the store is destroyed (log
// synced, lock file released) once the last object built on it is gone
// too, so nothing ever points at a destroyed store. A call in progress on
// another thread keeps the store alive until it returns.
// Thread-safety: every method may be called concurrently.
#ifndef MARQUEE_BINDINGS_PYTHON_STORE_HANDLE_H_
#define MARQUEE_BINDINGS_PYTHON_STORE_HANDLE_H_

#include <memory>
#include <mutex>

#include "marquee/memory_store.h"

namespace marquee::python {

class StoreHandle {
 public:
  explicit StoreHandle(std::unique_ptr<MemoryStore> store) : store_(std::move(store)) {}
  // A store garbage-collected without close() is synced and closed here,
  // without the GIL when it is the last reference.
  ~StoreHandle();
  StoreHandle(const StoreHandle&) = delete;
  StoreHandle& operator=(const StoreHandle&) = delete;

  // The open store; raises FailedPreconditionError once closed.
  // REQUIRES: the GIL is held (it may raise).
  std::shared_ptr<MemoryStore> Get() const;

  // Drops this handle's reference (see the file comment). Idempotent.
  void Close();
  bool closed() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<MemoryStore> store_;  // null once closed
};

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_STORE_HANDLE_H_
