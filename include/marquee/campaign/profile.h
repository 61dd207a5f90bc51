// marquee/campaign/profile.h — user profiles: stored attributes per user.
//
// A profile is what the host knows about one user: a JSON object of
// attributes (plan, country, signup date, ...), stored as the record
// profiles/<user id> with the body {"attributes": {...}}. Decide merges the
// request's context attributes over them, so targeting can use both.
// ProfileRepository reads and writes profiles; every write is a
// compare-and-set on the record version:
//   - Put replaces the attributes; Patch changes them by a JSON merge patch
//     (RFC 7396, merge_patch.h) and creates the profile when absent.
//   - Without an expected version, Patch retries its read-modify-write on a
//     conflict (up to max_retries, then Aborted), so concurrent patches of
//     different fields all land. With one (HTTP If-Match), a stale version
//     is FailedPrecondition, 0 means "must not exist" (AlreadyExists).
//   - User ids are record ids (1..512 bytes of UTF-8, no control
//     characters) without '/': votes are keyed "<poll id>/<user id>", and a
//     '/' in a user id would make one user's vote key look like another's.
// Erasing everything held about a user (GDPR) is privacy.h's EraseUser.
// Thread-safety: every method may be called concurrently.
//
//   auto profiles = ProfileRepository::Open(store.get());
//   if (!profiles.ok()) return profiles.status();
//   absl::StatusOr<Profile> p = (*profiles)->Patch("u42", *Json::Parse(R"({"plan":"pro"})"));
//   absl::StatusOr<Profile> read = (*profiles)->Get("u42");  // read->attributes: {"plan":"pro"}
#ifndef MARQUEE_CAMPAIGN_PROFILE_H_
#define MARQUEE_CAMPAIGN_PROFILE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign {

struct Profile {
  std::string id{};
  // A JSON object. Default: null (a Profile that was not read).
  Json attributes{};
  // The record version: the expected version of a later conditional write.
  uint64_t version = 0;
  // Store clock times of the profile's creation and last write.
  absl::Time created = absl::UnixEpoch();
  absl::Time updated = absl::UnixEpoch();
};

struct ProfileRepositoryOptions {
  // Attempts of a read-modify-write without an expected version before
  // giving up with Aborted; 1..1000. Default: 16.
  int max_retries = 16;
  // Bounds on the attributes object after a Put or a Patch.
  // Default: JsonLimits{} (16 MiB, 64 levels).
  JsonLimits attribute_limits{};
};

// Checks a user id: a valid record id (ValidateRecordId) with no '/'.
// Errors: InvalidArgument naming what is wrong.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateUserId(std::string_view user);

class MARQUEE_EXPORT ProfileRepository {
 public:
  // A repository over `store`, which must outlive it.
  // Errors: InvalidArgument (null store, max_retries out of range).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ProfileRepository>> Open(
      Store* store, const ProfileRepositoryOptions& options = {});

  ~ProfileRepository();
  ProfileRepository(const ProfileRepository&) = delete;
  ProfileRepository& operator=(const ProfileRepository&) = delete;

  // Errors: NotFound, InvalidArgument (bad user id), DataLoss (the stored
  // body has no "attributes" object), those of Store::Get.
  [[nodiscard]] absl::StatusOr<Profile> Get(std::string_view user) const;

  // Replaces the attributes (creating the profile when absent) and returns
  // the profile as stored. With expected_version, only if the profile still
  // has that version (0: only if it does not exist).
  // Errors: InvalidArgument (bad user id; attributes not an object, or over
  // attribute_limits), FailedPrecondition (stale expected_version),
  // AlreadyExists (expected_version 0 and the profile exists), those of
  // Store::Write.
  [[nodiscard]] absl::StatusOr<Profile> Put(std::string_view user, const Json& attributes,
                                            std::optional<uint64_t> expected_version = std::nullopt);

  // Applies an RFC 7396 merge patch to the attributes ({} when the profile
  // does not exist, which creates it) and returns the profile as stored.
  // Errors: InvalidArgument (bad user id; the patched attributes are not
  // an object, e.g. a patch that is null or an array; over
  // attribute_limits), FailedPrecondition (stale expected_version),
  // AlreadyExists (expected_version 0 and the profile exists), Aborted (no
  // expected_version and max_retries conflicts in a row), DataLoss, those of
  // Store::Get and Store::Write.
  [[nodiscard]] absl::StatusOr<Profile> Patch(std::string_view user, const Json& patch,
                                              std::optional<uint64_t> expected_version = std::nullopt);

  // Removes the profile only (EraseUser removes everything about a user).
  // Errors: NotFound, InvalidArgument (bad user id), FailedPrecondition
  // (stale expected_version), Aborted (max_retries conflicts), those of
  // Store::Write.
  [[nodiscard]] absl::Status Delete(std::string_view user,
                                    std::optional<uint64_t> expected_version = std::nullopt);

 private:
  struct Impl;
  explicit ProfileRepository(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_PROFILE_H_
