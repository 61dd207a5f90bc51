// Runs blocking C++ calls with the GIL released, so other Python threads
// keep running while Marquee waits on locks, disk, the network or a
// background committer.
//
//   absl::StatusOr<Record> record = WithoutGil([&] { return store->Get(c, id); });
//   return Unwrap(std::move(record));  // raising needs the GIL: after the call
//
// REQUIRES: `call` touches no Python object (convert arguments before,
// results after).
#ifndef MARQUEE_BINDINGS_PYTHON_WITHOUT_GIL_H_
#define MARQUEE_BINDINGS_PYTHON_WITHOUT_GIL_H_

#include <utility>

#include <pybind11/pybind11.h>

namespace marquee::python {

template <typename Call>
auto WithoutGil(Call&& call) {
  pybind11::gil_scoped_release release;
  return std::forward<Call>(call)();
}

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_WITHOUT_GIL_H_
