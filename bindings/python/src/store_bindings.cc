// marquee.open and marquee.Store: the embedded MemoryStore.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/strings/str_cat.h"
#include "errors.h"
#include "index_convert.h"
#include "json_convert.h"
#include "marquee/memory_store.h"
#include "marquee/store.h"
#include "registrations.h"
#include "store_handle.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

FsyncPolicy ToFsyncPolicy(const std::string& name) {
  if (name == "always") return FsyncPolicy::kAlways;
  if (name == "every_second") return FsyncPolicy::kEverySecond;
  if (name == "never") return FsyncPolicy::kNever;
  throw py::value_error(absl::StrCat("fsync '", name, "': use 'always', 'every_second' or 'never'"));
}

// (collection, name, fields) tuples, as define_index takes them.
std::vector<IndexSpec> ToIndexSpecs(py::handle specs) {
  std::vector<IndexSpec> out;
  if (specs.is_none()) return out;
  for (py::handle spec : specs) {
    if (!PyTuple_Check(spec.ptr()) || py::len(spec) != 3) {
      throw py::type_error("indexes: each is a (collection, name, fields) tuple");
    }
    py::tuple parts = py::reinterpret_borrow<py::tuple>(spec);
    out.push_back({.collection = parts[0].cast<std::string>(),
                   .name = parts[1].cast<std::string>(),
                   .fields = ToIndexFields(parts[2])});
  }
  return out;
}

std::shared_ptr<StoreHandle> Open(std::optional<std::string> data_dir, const std::string& fsync,
                                  uint64_t snapshot_after_log_bytes, py::handle indexes,
                                  size_t watch_history, size_t max_batch_bytes) {
  MemoryStoreOptions options{.data_dir = data_dir.value_or(""),
                             .fsync = ToFsyncPolicy(fsync),
                             .snapshot_after_log_bytes = snapshot_after_log_bytes,
                             .indexes = ToIndexSpecs(indexes),
                             .watch_history = watch_history,
                             .max_batch_bytes = max_batch_bytes};
  auto opened = WithoutGil([&] { return OpenMemoryStore(options); });
  return std::make_shared<StoreHandle>(Unwrap(std::move(opened)));
}

py::dict StatsDict(const MemoryStoreStats& stats) {
  py::dict d;
  d["records"] = stats.records;
  d["version"] = stats.version;
  d["log_bytes"] = stats.log_bytes;
  d["fsyncs"] = stats.fsyncs;
  d["group_commits"] = stats.group_commits;
  d["snapshots_written"] = stats.snapshots_written;
  return d;
}

py::dict RecoveryDict(const RecoveryReport& report) {
  py::dict d;
  d["snapshot_version"] = report.snapshot_version;
  d["replayed_batches"] = report.replayed_batches;
  d["truncated_bytes"] = report.truncated_bytes;
  d["notes"] = report.notes;
  return d;
}

uint64_t Write(const StoreHandle& handle, const WriteBatch& batch, bool sync) {
  std::shared_ptr<MemoryStore> store = handle.Get();
  // A copy, taken with the GIL held: another Python thread may add to the
  // same batch object while this one waits for the store without the GIL.
  const WriteBatch mine = batch;
  auto version = WithoutGil([&] { return store->Write(mine, {.sync = sync}); });
  return Unwrap(std::move(version));
}

}  // namespace

void RegisterStore(py::module_& m) {
  py::class_<StoreHandle, std::shared_ptr<StoreHandle>> store(
      m, "Store",
      "The embedded store (MemoryStore): every read from memory, durable through an "
      "append-only log when opened with a data_dir. Open with marquee.open(). "
      "Thread-safe; blocking calls release the GIL.");

  m.def("open", &Open, py::arg("data_dir") = py::none(), py::kw_only(),
        py::arg("fsync") = "every_second",
        py::arg("snapshot_after_log_bytes") = uint64_t{64} << 20,
        py::arg("indexes") = py::none(), py::arg("watch_history") = size_t{100'000},
        py::arg("max_batch_bytes") = size_t{64} << 20,
        "Opens (and recovers) a store. data_dir: directory of the log and snapshots "
        "(None: memory only). fsync: 'always', 'every_second' or 'never'. indexes: "
        "(collection, name, fields) tuples declared before recovery.\n"
        "Raises FailedPreconditionError (data_dir locked by another store), "
        "InvalidArgumentError, DataLossError, UnavailableError.");

  store
      .def(
          "close", [](StoreHandle& handle) { WithoutGil([&] { handle.Close(); }); },
          "Closes the store: later calls raise FailedPreconditionError. The files are "
          "synced and the data dir unlocked once no repository or service built on the "
          "store is left either.")
      .def_property_readonly("closed", &StoreHandle::closed)
      .def("__enter__", [](std::shared_ptr<StoreHandle> handle) { return handle; })
      .def("__exit__",
           [](StoreHandle& handle, py::handle, py::handle, py::handle) {
             WithoutGil([&] { handle.Close(); });
           })
      .def(
          "get",
          [](const StoreHandle& handle, const std::string& collection, const std::string& id) {
            std::shared_ptr<MemoryStore> s = handle.Get();
            auto record = WithoutGil([&] { return s->Get(collection, id); });
            return Unwrap(std::move(record));
          },
          py::arg("collection"), py::arg("id"),
          "The record. Raises NotFoundError (a KeyError), InvalidArgumentError.")
      .def(
          "write",
          [](const StoreHandle& handle, const WriteBatch& batch, bool sync) {
            return Write(handle, batch, sync);
          },
          py::arg("batch"), py::kw_only(), py::arg("sync") = false,
          "Commits the batch atomically; returns its version. sync=True fsyncs first. "
          "Raises FailedPreconditionError (an expected version did not hold), "
          "InvalidArgumentError (empty batch, bad names), ResourceExhaustedError.")
      .def(
          "put",
          [](const StoreHandle& handle, std::string collection, std::string id, py::handle body,
             std::optional<uint64_t> expected_version, uint32_t schema, bool sync) {
            WriteBatch batch;
            batch.Put(std::move(collection), std::move(id), ToJson(body),
                      {.expected_version = expected_version}, schema);
            return Write(handle, batch, sync);
          },
          py::arg("collection"), py::arg("id"), py::arg("body"), py::kw_only(),
          py::arg("expected_version") = py::none(), py::arg("schema") = 1,
          py::arg("sync") = false, "A batch of one put; returns its version.")
      .def(
          "erase",
          [](const StoreHandle& handle, std::string collection, std::string id,
             std::optional<uint64_t> expected_version, bool sync) {
            WriteBatch batch;
            batch.Erase(std::move(collection), std::move(id), {.expected_version = expected_version});
            return Write(handle, batch, sync);
          },
          py::arg("collection"), py::arg("id"), py::kw_only(),
          py::arg("expected_version") = py::none(), py::arg("sync") = false,
          "A batch of one erase; returns its version.")
      .def(
          "define_index",
          [](const StoreHandle& handle, std::string collection, std::string name,
             py::handle fields) {
            IndexSpec spec{.collection = std::move(collection), .name = std::move(name),
                           .fields = ToIndexFields(fields)};
            std::shared_ptr<MemoryStore> s = handle.Get();
            Check(WithoutGil([&] { return s->DefineIndex(spec); }));
          },
          py::arg("collection"), py::arg("name"), py::arg("fields"),
          "Declares a secondary index; fields are JSON pointers or (pointer, 'asc'|'desc'). "
          "Declaring the same index again is a no-op. Raises InvalidArgumentError, "
          "AlreadyExistsError (same name, other fields).")
      .def(
          "indexes",
          [](const StoreHandle& handle, const std::string& collection) {
            py::list out;
            for (const IndexSpec& spec : handle.Get()->Indexes(collection)) {
              py::list fields;
              for (const IndexField& f : spec.fields) {
                fields.append(py::make_tuple(
                    f.pointer, f.order == SortOrder::kAscending ? "asc" : "desc"));
              }
              out.append(py::make_tuple(spec.name, fields));
            }
            return out;
          },
          py::arg("collection"), "The declared indexes of a collection: (name, fields) tuples.")
      .def_property_readonly(
          "current_version",
          [](const StoreHandle& handle) { return handle.Get()->CurrentVersion(); },
          "The version of the last committed batch (0 for an empty store).")
      .def(
          "checkpoint",
          [](const StoreHandle& handle) {
            std::shared_ptr<MemoryStore> s = handle.Get();
            Check(WithoutGil([&] { return s->Checkpoint(); }));
          },
          "Writes a snapshot now and truncates the log behind it.")
      .def(
          "sync",
          [](const StoreHandle& handle) {
            std::shared_ptr<MemoryStore> s = handle.Get();
            Check(WithoutGil([&] { return s->Sync(); }));
          },
          "Forces everything acknowledged so far to disk.")
      .def(
          "stats",
          [](const StoreHandle& handle) {
            // stats() waits for the commit lock, which a writer holds
            // through its fsync: not with the GIL held.
            std::shared_ptr<MemoryStore> store = handle.Get();
            const MemoryStoreStats stats = WithoutGil([&] { return store->stats(); });
            return StatsDict(stats);
          },
          "Counters: records, version, log_bytes, fsyncs, group_commits, snapshots_written.")
      .def_property_readonly(
          "recovery",
          [](const StoreHandle& handle) { return RecoveryDict(handle.Get()->recovery()); },
          "What recovery found at open: snapshot_version, replayed_batches, "
          "truncated_bytes, notes.")
      .def("__repr__", [](const StoreHandle& handle) {
        return handle.closed() ? std::string("Store(closed)")
                               : absl::StrCat("Store(version ",
                                              handle.Get()->CurrentVersion(), ")");
      });
}

}  // namespace marquee::python
