// SchemaRegistry: validation of the declared schemas, and the upgrade chain.
#include <algorithm>
#include <exception>
#include <map>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/schema.h"
#include "marquee/status.h"

namespace marquee {

struct SchemaRegistry::Impl {
  struct Collection {
    uint32_t current = 1;
    // steps[i] upgrades version i + 1 to i + 2.
    std::vector<SchemaUpgrade> steps;
  };
  // std::less<> so lookups take a string_view without a copy.
  std::map<std::string, Collection, std::less<>> collections;
};

namespace {

using internal::Sv;

std::string RecordName(const Record& record) {
  return absl::StrCat("'", Sv(record.collection), "/", Sv(record.id), "'");
}

absl::Status CheckCollection(const CollectionSchema& schema) {
  MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(schema.collection));
  const absl::string_view name = Sv(schema.collection);
  if (schema.current_version == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("collection '", name, "': the current schema version must be at least 1"));
  }
  // Sorted from-versions find duplicates and gaps without allocating by
  // current_version, which comes from the caller and may be huge.
  std::vector<uint32_t> froms;
  froms.reserve(schema.upgrades.size());
  for (const SchemaUpgradeStep& step : schema.upgrades) {
    if (step.from_version == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "collection '", name, "': an upgrade from schema version 0 (versions start at 1)"));
    }
    if (step.from_version >= schema.current_version) {
      return absl::InvalidArgumentError(absl::StrCat(
          "collection '", name, "': the upgrade from version ", step.from_version, " to ",
          uint64_t{step.from_version} + 1, " goes past the current version ",
          schema.current_version));
    }
    if (!step.upgrade) {
      return absl::InvalidArgumentError(absl::StrCat(
          "collection '", name, "': the upgrade from version ", step.from_version, " is null"));
    }
    froms.push_back(step.from_version);
  }
  std::sort(froms.begin(), froms.end());
  for (size_t i = 1; i < froms.size(); ++i) {
    if (froms[i] == froms[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrCat("collection '", name, "': two upgrades from version ", froms[i]));
    }
  }
  // Distinct and sorted: froms[i] == i + 1 for every i exactly when 1..n are
  // all there; the first index where that fails names the missing version.
  uint32_t expected = 1;
  for (uint32_t from : froms) {
    if (from != expected) break;
    ++expected;
  }
  if (expected < schema.current_version) {
    return absl::InvalidArgumentError(absl::StrCat(
        "collection '", name, "': no upgrade from version ", expected, " to ",
        uint64_t{expected} + 1, " (current version ", schema.current_version,
        " needs one from each older version)"));
  }
  return absl::OkStatus();
}

// The upgrade's status with the record and step in front of its message;
// code and payloads are kept so callers can still branch on them.
absl::Status Annotate(const absl::Status& status, const Record& record, uint32_t from) {
  absl::Status out(status.code(),
                   absl::StrCat("upgrading ", RecordName(record), " from schema version ", from,
                                " to ", uint64_t{from} + 1, ": ", status.message()));
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

absl::StatusOr<Json> RunStep(const SchemaUpgrade& step, const Record& record, uint32_t from) {
  // Upgrades are the host's code, running on store and feed threads: an
  // exception there must become a status, not terminate the process.
  try {
    absl::StatusOr<Json> body = step(record.body);
    if (!body.ok()) return Annotate(body.status(), record, from);
    return body;
  } catch (const std::exception& e) {
    return Annotate(absl::InternalError(absl::StrCat("the upgrade threw: ", e.what())), record,
                    from);
  } catch (...) {
    return Annotate(absl::InternalError("the upgrade threw a non-standard exception"), record,
                    from);
  }
}

}  // namespace

SchemaRegistry::SchemaRegistry(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
SchemaRegistry::~SchemaRegistry() = default;

absl::StatusOr<std::shared_ptr<const SchemaRegistry>> SchemaRegistry::Create(
    std::vector<CollectionSchema> collections) {
  auto impl = std::make_unique<Impl>();
  for (CollectionSchema& schema : collections) {
    MARQUEE_RETURN_IF_ERROR(CheckCollection(schema));
    Impl::Collection entry;
    entry.current = schema.current_version;
    entry.steps.resize(schema.current_version - 1);
    for (SchemaUpgradeStep& step : schema.upgrades) {
      entry.steps[step.from_version - 1] = std::move(step.upgrade);
    }
    if (!impl->collections.emplace(schema.collection, std::move(entry)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("collection '", Sv(schema.collection), "' is listed twice"));
    }
  }
  return std::shared_ptr<const SchemaRegistry>(new SchemaRegistry(std::move(impl)));
}

std::optional<uint32_t> SchemaRegistry::CurrentVersion(std::string_view collection) const {
  auto it = impl_->collections.find(collection);
  if (it == impl_->collections.end()) return std::nullopt;
  return it->second.current;
}

std::vector<std::string> SchemaRegistry::Collections() const {
  std::vector<std::string> names;
  names.reserve(impl_->collections.size());
  for (const auto& [name, unused] : impl_->collections) names.push_back(name);
  return names;
}

absl::StatusOr<Record> SchemaRegistry::Upgrade(Record record) const {
  auto it = impl_->collections.find(record.collection);
  if (it == impl_->collections.end()) return record;
  const Impl::Collection& schema = it->second;
  if (record.schema == schema.current) return record;
  if (record.schema == 0 || record.schema > schema.current) {
    return absl::FailedPreconditionError(absl::StrCat(
        "record ", RecordName(record), " (version ", record.version, ") has schema version ",
        record.schema, ", but the current schema version of collection '",
        Sv(record.collection), "' is ", schema.current,
        record.schema == 0 ? " (versions start at 1)"
                           : "; it was written by newer code: deploy code that knows it"));
  }
  for (uint32_t from = record.schema; from < schema.current; ++from) {
    MARQUEE_ASSIGN_OR_RETURN(record.body, RunStep(schema.steps[from - 1], record, from));
  }
  record.schema = schema.current;
  return record;
}

}  // namespace marquee
