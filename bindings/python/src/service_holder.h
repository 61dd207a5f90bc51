// ServiceHolder: a domain service (repository, poll service, decider, ...)
// built on a marquee.Store, kept with a reference to that store so the
// store outlives it (the C++ services hold a raw Store*).
// Calls go through Get(), which raises FailedPreconditionError once the
// store was closed, so a closed store is closed for its services too.
// Open declares the campaign domain's indexes first (PrepareCampaignStore,
// a no-op when they exist): some C++ services leave that to the host, but
// a Python user should not have to know which.
#ifndef MARQUEE_BINDINGS_PYTHON_SERVICE_HOLDER_H_
#define MARQUEE_BINDINGS_PYTHON_SERVICE_HOLDER_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "errors.h"
#include "marquee/campaign/collections.h"
#include "marquee/memory_store.h"
#include "store_handle.h"
#include "without_gil.h"

namespace marquee::python {

template <typename Service>
class ServiceHolder {
 public:
  // `make(Store*)` returns absl::StatusOr<std::unique_ptr<Service>>; it runs
  // with the GIL released (opening a service may read the store).
  template <typename Make>
  static std::shared_ptr<ServiceHolder> Open(std::shared_ptr<StoreHandle> handle, Make&& make) {
    std::shared_ptr<MemoryStore> store = handle->Get();
    auto service = WithoutGil([&]() -> decltype(make(store.get())) {
      if (absl::Status prepared = campaign::PrepareCampaignStore(*store); !prepared.ok()) {
        return prepared;
      }
      return make(store.get());
    });
    auto holder = std::make_shared<ServiceHolder>();
    holder->service_ = Unwrap(std::move(service));
    holder->handle_ = std::move(handle);
    holder->store_ = std::move(store);
    return holder;
  }

  ServiceHolder() = default;
  ServiceHolder(const ServiceHolder&) = delete;
  ServiceHolder& operator=(const ServiceHolder&) = delete;
  // Services may wait for their threads or flush to the store when
  // destroyed, and this may hold the last reference to a closed store,
  // whose destructor syncs its log and joins its threads: all of it
  // without the GIL, so other Python threads run meanwhile. The service
  // goes first: it points at the store.
  ~ServiceHolder() {
    auto drop = [this] {
      service_.reset();
      store_.reset();
      handle_.reset();
    };
    if (PyGILState_Check()) {
      pybind11::gil_scoped_release release;
      drop();
    } else {
      drop();
    }
  }

  // The service; raises once the store is closed. REQUIRES: the GIL is held.
  Service& Get() const {
    handle_->Get();
    return *service_;
  }
  const std::shared_ptr<MemoryStore>& store() const { return store_; }

 private:
  std::shared_ptr<StoreHandle> handle_;
  std::shared_ptr<MemoryStore> store_;  // declared before service_: destroyed after it
  std::unique_ptr<Service> service_;
};

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_SERVICE_HOLDER_H_
