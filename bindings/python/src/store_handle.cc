#include "store_handle.h"

#include <pybind11/pybind11.h>

#include "absl/status/status.h"
#include "errors.h"

namespace marquee::python {

std::shared_ptr<MemoryStore> StoreHandle::Get() const {
  std::shared_ptr<MemoryStore> store;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    store = store_;
  }
  if (store == nullptr) ThrowStatus(absl::FailedPreconditionError("store is closed"));
  return store;
}

void StoreHandle::Close() {
  std::shared_ptr<MemoryStore> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    dropped.swap(store_);
  }
  // `dropped` may be the last reference: the store's destructor syncs the
  // log, so it runs here, outside the lock (the caller releases the GIL).
}

StoreHandle::~StoreHandle() {
  std::shared_ptr<MemoryStore> dropped = std::move(store_);
  if (dropped != nullptr && PyGILState_Check()) {
    pybind11::gil_scoped_release release;
    dropped.reset();
  }
}

bool StoreHandle::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return store_ == nullptr;
}

}  // namespace marquee::python
