// ExportUser (privacy.h): every record about one user as one JSON document,
// read page by page through the indexes that find the user's rows.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "campaign/merge_patch_internal.h"
#include "campaign/privacy_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/privacy.h"
#include "marquee/campaign/profile.h"
#include "marquee/json_writer.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

class Exporter {
 public:
  Exporter(const Store& store, std::string_view user, const ExportOptions& options)
      : store_(store), user_(user), options_(options), writer_(&out_, WriterOptions()) {}

  absl::StatusOr<Json> Run() {
    writer_.BeginObject().Key("user").String(user_);
    writer_.Key("profile");
    MARQUEE_ASSIGN_OR_RETURN(std::optional<Record> profile, GetById(kProfilesCollection));
    if (profile) {
      MARQUEE_RETURN_IF_ERROR(Add(*profile));
    } else {
      writer_.Null();
    }
    writer_.Key("votes");
    MARQUEE_RETURN_IF_ERROR(AddIndexed(kVotesCollection, kVotesByUserIndex));
    writer_.Key("stickyBuckets");
    MARQUEE_RETURN_IF_ERROR(AddIndexed(kStickyBucketsCollection, kStickyBucketsByValueIndex));
    for (const UserKeyedCollection& c : options_.extra_collections) {
      writer_.Key(c.collection);
      if (c.index.empty()) {
        writer_.BeginArray();
        MARQUEE_ASSIGN_OR_RETURN(std::optional<Record> record, GetById(c.collection));
        if (record) MARQUEE_RETURN_IF_ERROR(Add(*record));
        writer_.EndArray();
      } else {
        MARQUEE_RETURN_IF_ERROR(AddIndexed(c.collection, c.index));
      }
    }
    writer_.EndObject();
    MARQUEE_RETURN_IF_ERROR(writer_.Finish());
    // Bodies nest as deep as their writers allowed; the export adds three
    // levels (document, array, record) around them.
    return Json::Parse(out_, {.max_bytes = out_.size(),
                              .max_depth = internal::JsonNestingDepth(out_)});
  }

 private:
  static JsonWriterOptions WriterOptions() {
    // Ids and bodies come from the store; a writer error is reported as a
    // status, never an assert.
    return {.assert_on_misuse = false};
  }

  absl::StatusOr<std::optional<Record>> GetById(std::string_view collection) {
    absl::StatusOr<Record> record = store_.Get(collection, user_);
    if (absl::IsNotFound(record.status())) return std::optional<Record>();
    if (!record.ok()) return record.status();
    return std::optional<Record>(*std::move(record));
  }

  absl::Status Add(const Record& record) {
    if (++records_ > options_.max_records) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "export of user '", user_, "' holds more than max_records (", options_.max_records,
          ") records"));
    }
    WriteRecordJson(record, {}, &writer_);
    if (!writer_.ok()) return writer_.status();
    if (out_.size() > options_.max_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat("export of user '", user_,
                                                       "' is larger than max_bytes (",
                                                       options_.max_bytes, ")"));
    }
    return absl::OkStatus();
  }

  absl::Status AddIndexed(std::string_view collection, std::string_view index) {
    writer_.BeginArray();
    std::optional<ScanPosition> after;
    for (;;) {
      MARQUEE_ASSIGN_OR_RETURN(ScanResult page,
                               internal::ScanUserRows(store_, collection, index, user_,
                                                      options_.page_size, after));
      for (const Record& record : page.records) MARQUEE_RETURN_IF_ERROR(Add(record));
      if (!page.more || !page.end) break;
      after = page.end;
    }
    writer_.EndArray();
    return absl::OkStatus();
  }

  const Store& store_;
  const std::string user_;
  const ExportOptions& options_;
  std::string out_;
  JsonWriter writer_;
  size_t records_ = 0;
};

}  // namespace

absl::StatusOr<Json> ExportUser(const Store& store, std::string_view user,
                                const ExportOptions& options) {
  MARQUEE_RETURN_IF_ERROR(ValidateUserId(user));
  if (options.page_size < 1 || options.page_size > 10'000) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be in 1..10000, got ", options.page_size));
  }
  MARQUEE_RETURN_IF_ERROR(internal::ValidateUserKeyedCollections(options.extra_collections));
  MARQUEE_RETURN_IF_ERROR(internal::CheckUserIndexes(store, options.extra_collections));
  Exporter exporter(store, user, options);
  return exporter.Run();
}

}  // namespace marquee::campaign
