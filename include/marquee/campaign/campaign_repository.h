// marquee/campaign/campaign_repository.h — campaigns and segments in a Store.
//
// CampaignRepository is the write side of campaigns and segments: every
// write validates (campaign.h, segment.h), checks references and status
// transitions, and is a compare-and-set on the record version, so two
// editors never overwrite each other silently. Reads come from the store,
// or, given a TieredCache (options.cache) and asked for
// ReadConsistency::kEventual, through its L1 and L2; every read a write
// depends on goes to the store. Decide does not read through here (it keeps
// its own read model fed by Store::Watch).
// Decisions:
//   - Create is create-only (AlreadyExists) and refuses a campaign that
//     references a segment that does not exist (NotFound naming it).
//   - A campaign's reference to a segment is protected against a concurrent
//     DeleteSegment: Create, and an Update that adds a segment, rewrite each
//     newly referenced segment unchanged under its version in the same
//     batch (this bumps the segment's record version). DeleteSegment refuses
//     (FailedPrecondition naming a campaign) while any campaign references
//     the segment, whatever that campaign's status.
//   - Delete removes draft and ended campaigns only (FailedPrecondition
//     otherwise: end it first), so nothing served vanishes mid-flight.
//   - Going to scheduled or live is refused (FailedPrecondition) when the
//     schedule's end has already passed by the repository's clock: such a
//     campaign would never be served.
//   - Calls that take an optional expected version do a read-modify-write
//     without one, retried up to max_retries times on a conflict (Aborted
//     after that); with one, a stale version is FailedPrecondition.
// Thread-safety: every method may be called concurrently.
//
//   auto repo = CampaignRepository::Open(store.get(), {.clock = &clock});
//   if (!repo.ok()) return repo.status();
//   absl::StatusOr<Campaign> created = (*repo)->Create(campaign);       // version set
//   absl::StatusOr<Campaign> live =
//       (*repo)->SetStatus("spring", CampaignStatus::kLive, created->version);
//   absl::StatusOr<CampaignPage> page = (*repo)->List({.status = CampaignStatus::kLive});
#ifndef MARQUEE_CAMPAIGN_CAMPAIGN_REPOSITORY_H_
#define MARQUEE_CAMPAIGN_CAMPAIGN_REPOSITORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/segment.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/read_consistency.h"
#include "marquee/store.h"
#include "marquee/tiered_cache.h"

namespace marquee::campaign {

struct CampaignRepositoryOptions {
  // Source of "now" for the schedule checks. Not owned; must outlive the
  // repository. Default: Clock::Real().
  Clock* clock = nullptr;
  // Attempts of a read-modify-write without an expected version before
  // giving up with Aborted; 1..1000. Default: 16.
  int max_retries = 16;
  // Declare the domain's indexes (PrepareCampaignStore) on Open.
  // Default: true.
  bool prepare_store = true;
  // The cache of the store's records that Get and GetSegment read through
  // when asked for ReadConsistency::kEventual. Not owned; must outlive the
  // repository and be a cache of the same store. Default: nullptr (every
  // read goes to the store).
  TieredCache* cache = nullptr;
};

struct CampaignListRequest {
  // Only campaigns of this status, highest priority first (then by id),
  // through the "by_status" index. Default: none (every campaign, by id).
  std::optional<CampaignStatus> status{};
  // Continue after this position: a previous page's `next`.
  // Default: from the start.
  std::optional<ScanPosition> after{};
  // Most campaigns returned, 1..1000. Default: 100.
  size_t limit = 100;
};

struct CampaignPage {
  std::vector<Campaign> campaigns{};
  // Where the next page starts; none when this was the last.
  std::optional<ScanPosition> next{};
};

class MARQUEE_EXPORT CampaignRepository {
 public:
  // A repository over `store`, which must outlive it.
  // Errors: InvalidArgument (null store, max_retries out of range), those
  // of PrepareCampaignStore.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<CampaignRepository>> Open(
      Store* store, const CampaignRepositoryOptions& options = {});

  ~CampaignRepository();
  CampaignRepository(const CampaignRepository&) = delete;
  CampaignRepository& operator=(const CampaignRepository&) = delete;

  // Stores a new campaign (campaign.version is ignored) and returns it with
  // its version.
  // Errors: InvalidArgument (ValidateCampaign's), NotFound ("targeting.
  // segments[i]: unknown segment 'x'"), AlreadyExists (the id is taken),
  // FailedPrecondition (status scheduled or live with a schedule already
  // ended; a referenced segment changed or vanished meanwhile), those of
  // Store::Write.
  [[nodiscard]] absl::StatusOr<Campaign> Create(const Campaign& campaign);

  // The campaign, from the store (kStrong, the default) or through
  // options.cache (kEventual; from the store when there is no cache).
  // Errors: NotFound, InvalidArgument (bad id), DataLoss (the stored body
  // is not a valid campaign, naming it), those of Store::Get.
  [[nodiscard]] absl::StatusOr<Campaign> Get(
      std::string_view id, ReadConsistency consistency = ReadConsistency::kStrong) const;

  // Replaces a campaign read at campaign.version (> 0) and returns the new
  // state. A status change is checked by CheckTransition.
  // Errors: InvalidArgument (ValidateCampaign's; version 0), NotFound (no
  // such campaign, or an unknown segment), FailedPrecondition (stale
  // version: "campaign 'x' changed since version N"; a refused transition;
  // scheduled or live with an ended schedule).
  [[nodiscard]] absl::StatusOr<Campaign> Update(const Campaign& campaign);

  // Changes only the status.
  // Errors: NotFound, FailedPrecondition (refused transition, stale
  // expected_version, ended schedule), Aborted (no expected_version and
  // max_retries conflicts), DataLoss.
  [[nodiscard]] absl::StatusOr<Campaign> SetStatus(
      std::string_view id, CampaignStatus status,
      std::optional<uint64_t> expected_version = std::nullopt);

  // Replaces the variants' weights, in variant order (poll rules call it).
  // Errors: InvalidArgument (count differs from the variants, weights that
  // break validation), NotFound, FailedPrecondition (stale
  // expected_version), Aborted, DataLoss.
  [[nodiscard]] absl::StatusOr<Campaign> SetVariantWeights(
      std::string_view id, const std::vector<double>& weights,
      std::optional<uint64_t> expected_version = std::nullopt);

  // Removes a draft or ended campaign.
  // Errors: NotFound, FailedPrecondition (another status; stale
  // expected_version), Aborted, DataLoss.
  [[nodiscard]] absl::Status Delete(std::string_view id,
                                    std::optional<uint64_t> expected_version = std::nullopt);

  // A page of campaigns (see CampaignListRequest).
  // Errors: InvalidArgument (limit out of range, a position from another
  // listing), DataLoss (a stored body that is not a valid campaign).
  [[nodiscard]] absl::StatusOr<CampaignPage> List(const CampaignListRequest& request) const;

  // Creates or replaces a segment; with expected_version, only if it still
  // has that version (0: create only). Returns it with its new version.
  // Errors: InvalidArgument (ValidateSegment's), FailedPrecondition (stale
  // expected_version), AlreadyExists (expected_version 0 and it exists).
  [[nodiscard]] absl::StatusOr<Segment> PutSegment(
      const Segment& segment, std::optional<uint64_t> expected_version = std::nullopt);

  // The segment, read as Get reads a campaign.
  // Errors: NotFound, InvalidArgument, DataLoss.
  [[nodiscard]] absl::StatusOr<Segment> GetSegment(
      std::string_view id, ReadConsistency consistency = ReadConsistency::kStrong) const;

  // Removes a segment no campaign references.
  // Errors: NotFound, FailedPrecondition ("segment 'x' is used by campaign
  // 'y'"; stale expected_version), DataLoss (a stored campaign that cannot
  // be read), Aborted.
  [[nodiscard]] absl::Status DeleteSegment(
      std::string_view id, std::optional<uint64_t> expected_version = std::nullopt);

 private:
  struct Impl;
  explicit CampaignRepository(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_CAMPAIGN_REPOSITORY_H_
