// Campaigns and segments in a Store, with validation, references and CAS
// (campaign_repository.h).
#include "marquee/campaign/campaign_repository.h"

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

const std::string kCampaigns(kCampaignsCollection);
const std::string kSegments(kSegmentsCollection);

constexpr size_t kMaxListLimit = 1000;

absl::Status StaleError(std::string_view what, std::string_view id, uint64_t version) {
  return absl::FailedPreconditionError(
      absl::StrCat(Sv(what), " '", Sv(id), "' changed since version ", version));
}

absl::Status NotFoundError(std::string_view what, std::string_view id) {
  return absl::NotFoundError(absl::StrCat(Sv(what), " '", Sv(id), "' not found"));
}

// Going to (or staying) scheduled or live with a window already over would
// store a campaign that is never served: say so instead.
absl::Status CheckNotOver(const Campaign& c, absl::Time now) {
  if (c.status != CampaignStatus::kScheduled && c.status != CampaignStatus::kLive) {
    return absl::OkStatus();
  }
  MARQUEE_ASSIGN_OR_RETURN(const ScheduleWindow window, ResolveSchedule(c.schedule));
  if (window.end <= now) {
    return absl::FailedPreconditionError(absl::StrCat(
        "schedule.end: the schedule ended at ", absl::FormatTime(window.end, absl::UTCTimeZone()),
        "; a ", Sv(CampaignStatusName(c.status)), " campaign would never be served"));
  }
  return absl::OkStatus();
}

}  // namespace

struct CampaignRepository::Impl {
  Store* store = nullptr;
  Clock* clock = nullptr;
  int max_retries = 16;
  TieredCache* cache = nullptr;

  // The record from the store, or from the cache when one is configured
  // and an eventually consistent read will do.
  absl::StatusOr<Record> ReadRecord(std::string_view collection, std::string_view id,
                                    ReadConsistency consistency) const {
    if (cache == nullptr || consistency == ReadConsistency::kStrong) {
      return store->Get(collection, id);
    }
    absl::StatusOr<std::shared_ptr<const Record>> cached = cache->Get(collection, id);
    if (!cached.ok()) return cached.status();
    return **cached;
  }

  absl::StatusOr<Campaign> Read(std::string_view id,
                                ReadConsistency consistency = ReadConsistency::kStrong) const {
    absl::StatusOr<Record> record = ReadRecord(kCampaignsCollection, id, consistency);
    if (absl::IsNotFound(record.status())) return NotFoundError("campaign", id);
    if (!record.ok()) return record.status();
    absl::StatusOr<Campaign> c = CampaignFromJson(id, record->body);
    if (!c.ok()) {
      return absl::DataLossError(absl::StrCat("campaign '", Sv(id),
                                              "': stored body is not a valid campaign: ",
                                              c.status().message()));
    }
    c->version = record->version;
    return c;
  }

  absl::StatusOr<Segment> ReadSegment(std::string_view id,
                                      ReadConsistency consistency = ReadConsistency::kStrong) const {
    absl::StatusOr<Record> record = ReadRecord(kSegmentsCollection, id, consistency);
    if (absl::IsNotFound(record.status())) return NotFoundError("segment", id);
    if (!record.ok()) return record.status();
    absl::StatusOr<Segment> s = SegmentFromJson(id, record->body);
    if (!s.ok()) {
      return absl::DataLossError(absl::StrCat("segment '", Sv(id),
                                              "': stored body is not a valid segment: ",
                                              s.status().message()));
    }
    s->version = record->version;
    return s;
  }

  // Rewrites each segment of `c` not in `already` unchanged under its
  // version, so a concurrent DeleteSegment and this write cannot both
  // commit (one of them fails its version check).
  absl::Status GuardSegments(const Campaign& c, const std::vector<std::string>& already,
                             WriteBatch& batch) const {
    std::set<std::string_view> seen(already.begin(), already.end());
    for (size_t i = 0; i < c.targeting.segments.size(); ++i) {
      const std::string& id = c.targeting.segments[i];
      if (!seen.insert(id).second) continue;
      absl::StatusOr<Record> record = store->Get(kSegmentsCollection, id);
      if (absl::IsNotFound(record.status())) {
        return absl::NotFoundError(
            absl::StrCat("targeting.segments[", i, "]: unknown segment '", id, "'"));
      }
      if (!record.ok()) return record.status();
      batch.Put(kSegments, id, record->body, {.expected_version = record->version},
                record->schema);
    }
    return absl::OkStatus();
  }

  // Writes `c` over version c.version (0: create), returning the new state.
  absl::StatusOr<Campaign> Put(Campaign c, WriteBatch& batch) {
    MARQUEE_ASSIGN_OR_RETURN(Json body, CampaignToJson(c));
    batch.Put(kCampaigns, c.id, std::move(body), {.expected_version = c.version});
    MARQUEE_ASSIGN_OR_RETURN(c.version, store->Write(batch));
    return c;
  }

  // Read-modify-write of one campaign: `change` edits the current state (or
  // fails); retried on a conflict unless the caller pinned a version.
  template <typename Change>
  absl::StatusOr<Campaign> Modify(std::string_view id, std::optional<uint64_t> expected,
                                  Change change) {
    for (int attempt = 0; attempt < max_retries; ++attempt) {
      MARQUEE_ASSIGN_OR_RETURN(Campaign c, Read(id));
      if (expected.has_value() && c.version != *expected) return StaleError("campaign", id, *expected);
      const Campaign before = c;
      MARQUEE_RETURN_IF_ERROR(change(c));
      if (c == before) return c;  // nothing to write
      MARQUEE_RETURN_IF_ERROR(ValidateCampaign(c));
      WriteBatch batch;
      absl::StatusOr<Campaign> written = Put(std::move(c), batch);
      if (!absl::IsFailedPrecondition(written.status())) return written;
      if (expected.has_value()) return StaleError("campaign", id, *expected);
    }
    return absl::AbortedError(absl::StrCat("campaign '", Sv(id), "' kept changing: gave up after ",
                                           max_retries, " attempts"));
  }
};

CampaignRepository::CampaignRepository(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CampaignRepository::~CampaignRepository() = default;

absl::StatusOr<std::unique_ptr<CampaignRepository>> CampaignRepository::Open(
    Store* store, const CampaignRepositoryOptions& options) {
  if (store == nullptr) return absl::InvalidArgumentError("store: must not be null");
  if (options.max_retries < 1 || options.max_retries > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_retries: must be within [1, 1000], got ", options.max_retries));
  }
  if (options.prepare_store) MARQUEE_RETURN_IF_ERROR(PrepareCampaignStore(*store));
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  impl->clock = options.clock != nullptr ? options.clock : Clock::Real();
  impl->max_retries = options.max_retries;
  impl->cache = options.cache;
  return std::unique_ptr<CampaignRepository>(new CampaignRepository(std::move(impl)));
}

absl::StatusOr<Campaign> CampaignRepository::Create(const Campaign& campaign) {
  Campaign c = campaign;
  c.version = 0;
  MARQUEE_RETURN_IF_ERROR(ValidateCampaign(c));
  MARQUEE_RETURN_IF_ERROR(CheckNotOver(c, impl_->clock->Now()));
  if (absl::StatusOr<Record> existing = impl_->store->Get(kCampaignsCollection, c.id);
      existing.ok()) {
    return absl::AlreadyExistsError(absl::StrCat("campaign '", c.id, "' already exists"));
  }
  WriteBatch batch;
  MARQUEE_RETURN_IF_ERROR(impl_->GuardSegments(c, {}, batch));
  absl::StatusOr<Campaign> written = impl_->Put(std::move(c), batch);
  if (absl::IsFailedPrecondition(written.status())) {
    // Either the id was taken meanwhile, or a segment changed.
    if (impl_->store->Get(kCampaignsCollection, campaign.id).ok()) {
      return absl::AlreadyExistsError(absl::StrCat("campaign '", campaign.id, "' already exists"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("a segment of campaign '", campaign.id,
                     "' changed or vanished while it was created; retry: ",
                     written.status().message()));
  }
  return written;
}

absl::StatusOr<Campaign> CampaignRepository::Get(std::string_view id,
                                                  ReadConsistency consistency) const {
  return impl_->Read(id, consistency);
}

absl::StatusOr<Campaign> CampaignRepository::Update(const Campaign& campaign) {
  if (campaign.version == 0) {
    return absl::InvalidArgumentError(
        "version: Update needs the version the campaign was read at (0 given)");
  }
  MARQUEE_RETURN_IF_ERROR(ValidateCampaign(campaign));
  MARQUEE_ASSIGN_OR_RETURN(const Campaign current, impl_->Read(campaign.id));
  if (current.version != campaign.version) {
    return StaleError("campaign", campaign.id, campaign.version);
  }
  MARQUEE_RETURN_IF_ERROR(CheckTransition(current.status, campaign.status));
  // An unchanged live campaign whose window closed may still be edited.
  if (current.status != campaign.status || !(current.schedule == campaign.schedule)) {
    MARQUEE_RETURN_IF_ERROR(CheckNotOver(campaign, impl_->clock->Now()));
  }
  WriteBatch batch;
  MARQUEE_RETURN_IF_ERROR(impl_->GuardSegments(campaign, current.targeting.segments, batch));
  absl::StatusOr<Campaign> written = impl_->Put(campaign, batch);
  if (absl::IsFailedPrecondition(written.status())) {
    absl::StatusOr<Record> now = impl_->store->Get(kCampaignsCollection, campaign.id);
    if (!now.ok() || now->version != campaign.version) {
      return StaleError("campaign", campaign.id, campaign.version);
    }
    return absl::FailedPreconditionError(
        absl::StrCat("a segment of campaign '", campaign.id,
                     "' changed or vanished during the update; retry: ",
                     written.status().message()));
  }
  return written;
}

absl::StatusOr<Campaign> CampaignRepository::SetStatus(std::string_view id,
                                                       CampaignStatus status,
                                                       std::optional<uint64_t> expected_version) {
  Clock* clock = impl_->clock;
  return impl_->Modify(id, expected_version, [&](Campaign& c) -> absl::Status {
    MARQUEE_RETURN_IF_ERROR(CheckTransition(c.status, status));
    if (c.status == status) return absl::OkStatus();
    c.status = status;
    return CheckNotOver(c, clock->Now());
  });
}

absl::StatusOr<Campaign> CampaignRepository::SetVariantWeights(
    std::string_view id, const std::vector<double>& weights,
    std::optional<uint64_t> expected_version) {
  return impl_->Modify(id, expected_version, [&](Campaign& c) -> absl::Status {
    if (weights.size() != c.variants.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weights: ", weights.size(), " given for ", c.variants.size(), " variants"));
    }
    for (size_t i = 0; i < weights.size(); ++i) c.variants[i].weight = weights[i];
    return ValidateCampaign(c);
  });
}

absl::Status CampaignRepository::Delete(std::string_view id,
                                        std::optional<uint64_t> expected_version) {
  for (int attempt = 0; attempt < impl_->max_retries; ++attempt) {
    MARQUEE_ASSIGN_OR_RETURN(const Campaign c, impl_->Read(id));
    if (expected_version.has_value() && c.version != *expected_version) {
      return StaleError("campaign", id, *expected_version);
    }
    if (c.status != CampaignStatus::kDraft && c.status != CampaignStatus::kEnded) {
      return absl::FailedPreconditionError(
          absl::StrCat("campaign '", Sv(id), "' is ", Sv(CampaignStatusName(c.status)),
                       ": only draft or ended campaigns can be deleted (end it first)"));
    }
    WriteBatch batch;
    batch.Erase(kCampaigns, std::string(id), {.expected_version = c.version});
    absl::StatusOr<uint64_t> written = impl_->store->Write(batch);
    if (!absl::IsFailedPrecondition(written.status())) return written.status();
    if (expected_version.has_value()) return StaleError("campaign", id, *expected_version);
  }
  return absl::AbortedError(absl::StrCat("campaign '", Sv(id), "' kept changing: gave up after ",
                                         impl_->max_retries, " attempts"));
}

absl::StatusOr<CampaignPage> CampaignRepository::List(const CampaignListRequest& request) const {
  if (request.limit == 0 || request.limit > kMaxListLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: must be within [1, ", kMaxListLimit, "], got ", request.limit));
  }
  ScanRequest scan{.collection = kCampaigns, .limit = request.limit, .after = request.after};
  if (request.status.has_value()) {
    scan.index = std::string(kCampaignsByStatusIndex);
    scan.prefix = {IndexValue::String(std::string(CampaignStatusName(*request.status)))};
  }
  MARQUEE_ASSIGN_OR_RETURN(ScanResult result, impl_->store->Scan(scan));
  CampaignPage page;
  page.campaigns.reserve(result.records.size());
  for (const Record& record : result.records) {
    absl::StatusOr<Campaign> c = CampaignFromJson(record.id, record.body);
    if (!c.ok()) {
      return absl::DataLossError(absl::StrCat("campaign '", record.id,
                                              "': stored body is not a valid campaign: ",
                                              c.status().message()));
    }
    c->version = record.version;
    page.campaigns.push_back(*std::move(c));
  }
  if (result.more) page.next = result.end;
  return page;
}

absl::StatusOr<Segment> CampaignRepository::PutSegment(const Segment& segment,
                                                       std::optional<uint64_t> expected_version) {
  MARQUEE_RETURN_IF_ERROR(ValidateSegment(segment));
  MARQUEE_ASSIGN_OR_RETURN(Json body, SegmentToJson(segment));
  WriteBatch batch;
  batch.Put(kSegments, segment.id, std::move(body), {.expected_version = expected_version});
  absl::StatusOr<uint64_t> version = impl_->store->Write(batch);
  if (absl::IsFailedPrecondition(version.status()) && expected_version.has_value()) {
    if (*expected_version == 0) {
      return absl::AlreadyExistsError(absl::StrCat("segment '", segment.id, "' already exists"));
    }
    return StaleError("segment", segment.id, *expected_version);
  }
  if (!version.ok()) return version.status();
  Segment out = segment;
  out.version = *version;
  return out;
}

absl::StatusOr<Segment> CampaignRepository::GetSegment(std::string_view id,
                                                       ReadConsistency consistency) const {
  return impl_->ReadSegment(id, consistency);
}

absl::Status CampaignRepository::DeleteSegment(std::string_view id,
                                               std::optional<uint64_t> expected_version) {
  for (int attempt = 0; attempt < impl_->max_retries; ++attempt) {
    absl::StatusOr<Record> segment = impl_->store->Get(kSegmentsCollection, id);
    if (absl::IsNotFound(segment.status())) return NotFoundError("segment", id);
    if (!segment.ok()) return segment.status();
    if (expected_version.has_value() && segment->version != *expected_version) {
      return StaleError("segment", id, *expected_version);
    }
    // Every campaign, whatever its status: a paused or draft one may come
    // back and must not find its segment gone. Only the segment list is read.
    ScanRequest scan{.collection = kCampaigns, .limit = kMaxListLimit,
                     .max_scanned = kMaxListLimit};
    for (;;) {
      MARQUEE_ASSIGN_OR_RETURN(ScanResult page, impl_->store->Scan(scan));
      for (const Record& record : page.records) {
        absl::StatusOr<Value> body = Value::FromJson(record.body);
        if (!body.ok()) {
          return absl::DataLossError(absl::StrCat("campaign '", record.id,
                                                  "': stored body cannot be read: ",
                                                  body.status().message()));
        }
        const Value* segments = body->GetPath("targeting.segments");
        if (segments == nullptr) continue;
        for (const Value& s : segments->elements()) {
          if (s.is_string() && s.as_string() == id) {
            return absl::FailedPreconditionError(absl::StrCat(
                "segment '", Sv(id), "' is used by campaign '", record.id, "'"));
          }
        }
      }
      if (!page.more || !page.end.has_value()) break;
      scan.after = page.end;
    }
    WriteBatch batch;
    batch.Erase(kSegments, std::string(id), {.expected_version = segment->version});
    absl::StatusOr<uint64_t> written = impl_->store->Write(batch);
    if (!absl::IsFailedPrecondition(written.status())) return written.status();
    if (expected_version.has_value()) return StaleError("segment", id, *expected_version);
  }
  return absl::AbortedError(absl::StrCat("segment '", Sv(id), "' kept changing: gave up after ",
                                         impl_->max_retries, " attempts"));
}

}  // namespace marquee::campaign
