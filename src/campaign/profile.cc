// ProfileRepository: profiles/<user> records with {"attributes": {...}}
// bodies, written by compare-and-set (profile.h).
#include "marquee/campaign/profile.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "campaign/merge_patch_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/merge_patch.h"
#include "marquee/record.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

constexpr std::string_view kAttributes = "attributes";

absl::Status CheckAttributes(const Json& attributes, const JsonLimits& limits,
                             std::string_view what) {
  const std::string_view text = attributes.text();
  if (text.empty() || text[0] != '{') {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(what), ": profile attributes must be a JSON object"));
  }
  if (text.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(what), ": ", text.size(),
                                                   " bytes, over the limit of ", limits.max_bytes));
  }
  if (const uint32_t depth = internal::JsonNestingDepth(text); depth > limits.max_depth) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(what), ": nests ", depth,
                                                   " levels deep, over the limit of ",
                                                   limits.max_depth));
  }
  return absl::OkStatus();
}

// {"attributes": <attributes>}; valid by construction, parsed only to make
// a Json (one level deeper than the attributes).
absl::StatusOr<Json> MakeBody(const Json& attributes) {
  return Json::Parse(absl::StrCat("{\"attributes\":", Sv(attributes.text()), "}"),
                     {.max_bytes = attributes.size() + 32,
                      .max_depth = internal::JsonNestingDepth(attributes.text()) + 1});
}

absl::StatusOr<Profile> FromRecord(const Record& record) {
  std::optional<std::string_view> attributes =
      internal::FindJsonMember(record.body.text(), kAttributes);
  if (!attributes || attributes->empty() || (*attributes)[0] != '{') {
    return absl::DataLossError(absl::StrCat("profile record ", record.collection, "/", record.id,
                                            " has no \"attributes\" object"));
  }
  absl::StatusOr<Json> json =
      Json::Parse(*attributes, {.max_bytes = record.body.size(),
                                .max_depth = internal::JsonNestingDepth(*attributes)});
  if (!json.ok()) return json.status();
  return Profile{.id = record.id,
                 .attributes = *std::move(json),
                 .version = record.version,
                 .created = record.created,
                 .updated = record.updated};
}

}  // namespace

absl::Status ValidateUserId(std::string_view user) {
  if (absl::Status s = ValidateRecordId(user); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("user id: ", s.message()));
  }
  if (user.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "user id: must not contain '/' (votes are keyed \"<poll id>/<user id>\")");
  }
  return absl::OkStatus();
}

struct ProfileRepository::Impl {
  Store* store;
  ProfileRepositoryOptions options;

  // The stored profile, or nullopt when there is none.
  absl::StatusOr<std::optional<Profile>> Read(std::string_view user) const {
    absl::StatusOr<Record> record = store->Get(kProfilesCollection, user);
    if (absl::IsNotFound(record.status())) return std::optional<Profile>();
    if (!record.ok()) return record.status();
    MARQUEE_ASSIGN_OR_RETURN(Profile profile, FromRecord(*record));
    return std::optional<Profile>(std::move(profile));
  }

  // Writes `attributes` on condition that the record has `expected` (0: is
  // absent). A failed condition comes back as FailedPrecondition.
  absl::StatusOr<Profile> Write(std::string_view user, const Json& attributes, uint64_t expected) {
    MARQUEE_ASSIGN_OR_RETURN(Json body, MakeBody(attributes));
    WriteBatch batch;
    batch.Put(std::string(kProfilesCollection), std::string(user), body,
              {.expected_version = expected});
    MARQUEE_ASSIGN_OR_RETURN(uint64_t version, store->Write(batch));
    // created/updated come from the store's clock; read them back rather
    // than guess (a racing writer may already have replaced the record).
    absl::StatusOr<Record> record = store->Get(kProfilesCollection, user);
    if (record.ok() && record->version == version) return FromRecord(*record);
    return Profile{.id = std::string(user), .attributes = attributes, .version = version};
  }

  static absl::Status ConditionError(std::string_view user, uint64_t expected) {
    if (expected == 0) {
      return absl::AlreadyExistsError(absl::StrCat("profile '", Sv(user), "' already exists"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("profile '", Sv(user), "' changed since version ", expected));
  }

  absl::Status RetriesExhausted(std::string_view user) const {
    return absl::AbortedError(absl::StrCat("profile '", Sv(user), "' kept changing: ",
                                           options.max_retries, " conflicting writes in a row"));
  }
};

ProfileRepository::ProfileRepository(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProfileRepository::~ProfileRepository() = default;

absl::StatusOr<std::unique_ptr<ProfileRepository>> ProfileRepository::Open(
    Store* store, const ProfileRepositoryOptions& options) {
  if (store == nullptr) return absl::InvalidArgumentError("store: must not be null");
  if (options.max_retries < 1 || options.max_retries > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_retries: must be in 1..1000, got ", options.max_retries));
  }
  auto impl = std::make_unique<Impl>(Impl{.store = store, .options = options});
  return std::unique_ptr<ProfileRepository>(new ProfileRepository(std::move(impl)));
}

absl::StatusOr<Profile> ProfileRepository::Get(std::string_view user) const {
  MARQUEE_RETURN_IF_ERROR(ValidateUserId(user));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<Profile> profile, impl_->Read(user));
  if (!profile) {
    return absl::NotFoundError(absl::StrCat("profile '", Sv(user), "' does not exist"));
  }
  return *std::move(profile);
}

absl::StatusOr<Profile> ProfileRepository::Put(std::string_view user, const Json& attributes,
                                               std::optional<uint64_t> expected_version) {
  MARQUEE_RETURN_IF_ERROR(ValidateUserId(user));
  MARQUEE_RETURN_IF_ERROR(CheckAttributes(attributes, impl_->options.attribute_limits, "attributes"));
  if (expected_version) {
    absl::StatusOr<Profile> written = impl_->Write(user, attributes, *expected_version);
    if (absl::IsFailedPrecondition(written.status())) {
      return Impl::ConditionError(user, *expected_version);
    }
    return written;
  }
  // Replace whatever is there: condition on the version just read, so the
  // write is still a compare-and-set and a concurrent Delete is not undone
  // silently by a stale read.
  for (int attempt = 0; attempt < impl_->options.max_retries; ++attempt) {
    MARQUEE_ASSIGN_OR_RETURN(std::optional<Profile> current, impl_->Read(user));
    absl::StatusOr<Profile> written =
        impl_->Write(user, attributes, current ? current->version : 0);
    if (!absl::IsFailedPrecondition(written.status())) return written;
  }
  return impl_->RetriesExhausted(user);
}

absl::StatusOr<Profile> ProfileRepository::Patch(std::string_view user, const Json& patch,
                                                 std::optional<uint64_t> expected_version) {
  MARQUEE_RETURN_IF_ERROR(ValidateUserId(user));
  static const Json kEmptyObject = *Json::Parse("{}");
  const JsonLimits& limits = impl_->options.attribute_limits;
  const int attempts = expected_version ? 1 : impl_->options.max_retries;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    MARQUEE_ASSIGN_OR_RETURN(std::optional<Profile> current, impl_->Read(user));
    const uint64_t version = current ? current->version : 0;
    if (expected_version && *expected_version != version) {
      return Impl::ConditionError(user, *expected_version);
    }
    absl::StatusOr<Json> patched =
        ApplyMergePatch(current ? current->attributes : kEmptyObject, patch, limits);
    if (!patched.ok()) {
      return absl::Status(patched.status().code(),
                          absl::StrCat("patch: ", patched.status().message()));
    }
    MARQUEE_RETURN_IF_ERROR(CheckAttributes(*patched, limits, "patch"));
    absl::StatusOr<Profile> written = impl_->Write(user, *patched, version);
    if (!absl::IsFailedPrecondition(written.status())) return written;
    if (expected_version) return Impl::ConditionError(user, *expected_version);
  }
  return impl_->RetriesExhausted(user);
}

absl::Status ProfileRepository::Delete(std::string_view user,
                                       std::optional<uint64_t> expected_version) {
  MARQUEE_RETURN_IF_ERROR(ValidateUserId(user));
  const int attempts = expected_version ? 1 : impl_->options.max_retries;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    absl::StatusOr<Record> record = impl_->store->Get(kProfilesCollection, user);
    if (absl::IsNotFound(record.status())) {
      return absl::NotFoundError(absl::StrCat("profile '", Sv(user), "' does not exist"));
    }
    if (!record.ok()) return record.status();
    if (expected_version && *expected_version != record->version) {
      return Impl::ConditionError(user, *expected_version);
    }
    WriteBatch batch;
    batch.Erase(std::string(kProfilesCollection), std::string(user),
                {.expected_version = record->version});
    absl::StatusOr<uint64_t> written = impl_->store->Write(batch);
    if (written.ok()) return absl::OkStatus();
    if (!absl::IsFailedPrecondition(written.status())) return written.status();
    if (expected_version) return Impl::ConditionError(user, *expected_version);
  }
  return impl_->RetriesExhausted(user);
}

}  // namespace marquee::campaign
