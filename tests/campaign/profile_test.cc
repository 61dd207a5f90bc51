// Profiles: put, get, merge-patch and delete; compare-and-set conflicts;
// concurrent patches of one profile; bad user ids and bad patches.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/profile.h"
#include "marquee/clock.h"
#include "marquee/memory_store.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

// Shorthand: most cases here build many small documents.
constexpr auto& J = test::MustParseJson;

struct Fixture {
  ManualClock clock{absl::FromUnixSeconds(1'700'000'000)};
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<ProfileRepository> profiles;

  explicit Fixture(ProfileRepositoryOptions options = {}) {
    absl::StatusOr<std::unique_ptr<MemoryStore>> s = OpenMemoryStore({.clock = &clock});
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    store = *std::move(s);
    absl::StatusOr<std::unique_ptr<ProfileRepository>> p =
        ProfileRepository::Open(store.get(), options);
    REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    profiles = *std::move(p);
  }
};

// Forwards to a store; before each of the next `conflicts_left` writes of
// a profile it writes that profile itself (as another node would), so the
// forwarded compare-and-set fails deterministically.
class InterferingStore : public Store {
 public:
  explicit InterferingStore(Store* inner) : inner_(inner) {}
  int conflicts_left = 0;
  int writes_refused = 0;

  absl::Status DefineIndex(const IndexSpec& spec) override { return inner_->DefineIndex(spec); }
  std::vector<IndexSpec> Indexes(std::string_view c) const override { return inner_->Indexes(c); }
  absl::StatusOr<Record> Get(std::string_view c, std::string_view id) const override {
    return inner_->Get(c, id);
  }
  absl::StatusOr<uint64_t> Write(const WriteBatch& batch, const WriteOptions& options) override {
    if (conflicts_left > 0 && batch.ops()[0].collection == kProfilesCollection) {
      --conflicts_left;
      ++interfering_;
      WriteBatch other;
      other.Put(batch.ops()[0].collection, batch.ops()[0].id,
                *Json::Parse(absl::StrCat(R"({"attributes":{"other":)", interfering_, "}}")));
      REQUIRE(inner_->Write(other).ok());
    }
    absl::StatusOr<uint64_t> written = inner_->Write(batch, options);
    if (absl::IsFailedPrecondition(written.status())) ++writes_refused;
    return written;
  }
  absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const override {
    return inner_->Scan(request);
  }
  absl::StatusOr<std::unique_ptr<Subscription>> Watch(uint64_t after,
                                                      WatchHandler handler) override {
    return inner_->Watch(after, std::move(handler));
  }
  uint64_t CurrentVersion() const override { return inner_->CurrentVersion(); }

 private:
  Store* inner_;
  int interfering_ = 0;
};

TEST_SUITE("campaign.profile") {
  TEST_CASE("put then get returns the attributes and the record layout is documented") {
    Fixture f;
    absl::StatusOr<Profile> put = f.profiles->Put("u1", J(R"({"plan":"pro","age":31})"));
    REQUIRE_MESSAGE(put.ok(), put.status().ToString());
    CHECK(put->id == "u1");
    CHECK(put->attributes.text() == R"({"plan":"pro","age":31})");
    CHECK(put->version > 0);
    CHECK(put->updated == f.clock.Now());

    absl::StatusOr<Profile> got = f.profiles->Get("u1");
    REQUIRE(got.ok());
    CHECK(got->attributes == put->attributes);
    CHECK(got->version == put->version);

    absl::StatusOr<Record> record = f.store->Get(kProfilesCollection, "u1");
    REQUIRE(record.ok());
    CHECK(record->body.text() == R"({"attributes":{"plan":"pro","age":31}})");
  }

  TEST_CASE("get of an absent profile is NotFound") {
    Fixture f;
    CHECK(absl::IsNotFound(f.profiles->Get("nobody").status()));
  }

  TEST_CASE("patch creates an absent profile and merges later patches") {
    Fixture f;
    absl::StatusOr<Profile> created = f.profiles->Patch("u2", J(R"({"plan":"free","tags":["a"]})"));
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    CHECK(created->attributes.text() == R"({"plan":"free","tags":["a"]})");
    f.clock.Advance(absl::Minutes(1));
    absl::StatusOr<Profile> patched =
        f.profiles->Patch("u2", J(R"({"plan":"pro","tags":null,"address":{"city":"Lyon"}})"));
    REQUIRE(patched.ok());
    CHECK(patched->attributes.text() == R"({"plan":"pro","address":{"city":"Lyon"}})");
    CHECK(patched->version > created->version);
    CHECK(patched->updated == f.clock.Now());
    CHECK(patched->created == created->created);
  }

  TEST_CASE("a patch that leaves no object is InvalidArgument and changes nothing") {
    Fixture f;
    REQUIRE(f.profiles->Put("u3", J(R"({"a":1})")).ok());
    for (std::string_view bad : {"null", "[1,2]", "\"text\"", "7"}) {
      CAPTURE(bad);
      absl::StatusOr<Profile> result = f.profiles->Patch("u3", J(bad));
      REQUIRE_FALSE(result.ok());
      CHECK(absl::IsInvalidArgument(result.status()));
      CHECK(std::string(result.status().message()).find("JSON object") != std::string::npos);
    }
    CHECK(f.profiles->Get("u3")->attributes.text() == R"({"a":1})");
    // Put refuses non-objects too.
    CHECK(absl::IsInvalidArgument(f.profiles->Put("u3", J("[1]")).status()));
  }

  TEST_CASE("attributes over the limits are InvalidArgument") {
    Fixture f({.attribute_limits = {.max_bytes = 64, .max_depth = 3}});
    const std::string big = absl::StrCat(R"({"s":")", std::string(80, 'x'), R"("})");
    CHECK(absl::IsInvalidArgument(f.profiles->Put("u", J(big)).status()));
    CHECK(absl::IsInvalidArgument(f.profiles->Patch("u", J(big)).status()));
    CHECK(absl::IsInvalidArgument(f.profiles->Put("u", J(R"({"a":{"b":{"c":{}}}})")).status()));
    CHECK(absl::IsInvalidArgument(f.profiles->Patch("u", J(R"({"a":{"b":{"c":{}}}})")).status()));
    CHECK(absl::IsNotFound(f.profiles->Get("u").status()));
    CHECK(f.profiles->Put("u", J(R"({"a":{"b":{}}})")).ok());
  }

  TEST_CASE("expected versions: stale is FailedPrecondition and 0 on an existing profile is AlreadyExists") {
    Fixture f;
    absl::StatusOr<Profile> v1 = f.profiles->Put("u4", J(R"({"a":1})"), 0);
    REQUIRE(v1.ok());
    CHECK(absl::IsAlreadyExists(f.profiles->Put("u4", J(R"({"a":2})"), 0).status()));
    absl::StatusOr<Profile> v2 = f.profiles->Patch("u4", J(R"({"b":2})"), v1->version);
    REQUIRE(v2.ok());
    absl::StatusOr<Profile> stale = f.profiles->Patch("u4", J(R"({"c":3})"), v1->version);
    REQUIRE_FALSE(stale.ok());
    CHECK(absl::IsFailedPrecondition(stale.status()));
    CHECK(std::string(stale.status().message()).find("changed since version") != std::string::npos);
    CHECK(absl::IsFailedPrecondition(f.profiles->Put("u4", J("{}"), v1->version).status()));
    CHECK(absl::IsFailedPrecondition(f.profiles->Delete("u4", v1->version)));
    CHECK(f.profiles->Get("u4")->attributes.text() == R"({"a":1,"b":2})");
    CHECK(absl::IsAlreadyExists(f.profiles->Patch("u4", J("{}"), 0).status()));
    CHECK(f.profiles->Patch("new", J(R"({"x":1})"), 0).ok());
    CHECK(f.profiles->Delete("u4", v2->version).ok());
  }

  TEST_CASE("delete removes the profile and a second delete is NotFound") {
    Fixture f;
    REQUIRE(f.profiles->Put("u5", J(R"({"a":1})")).ok());
    CHECK(f.profiles->Delete("u5").ok());
    CHECK(absl::IsNotFound(f.profiles->Get("u5").status()));
    CHECK(absl::IsNotFound(f.profiles->Delete("u5")));
  }

  TEST_CASE("bad user ids are InvalidArgument on every call") {
    Fixture f;
    const std::string too_long(513, 'u');
    for (std::string_view bad : {std::string_view(""), std::string_view("poll/user"),
                                 std::string_view("tab\there"), std::string_view(too_long)}) {
      CAPTURE(bad);
      CHECK(absl::IsInvalidArgument(ValidateUserId(bad)));
      CHECK(absl::IsInvalidArgument(f.profiles->Get(bad).status()));
      CHECK(absl::IsInvalidArgument(f.profiles->Put(bad, J("{}")).status()));
      CHECK(absl::IsInvalidArgument(f.profiles->Patch(bad, J("{}")).status()));
      CHECK(absl::IsInvalidArgument(f.profiles->Delete(bad)));
    }
    CHECK(std::string(ValidateUserId("a/b").message()).find("'/'") != std::string::npos);
    CHECK(ValidateUserId(std::string(512, 'u')).ok());
    CHECK(ValidateUserId("user@example.com").ok());
  }

  TEST_CASE("a stored body without attributes is DataLoss") {
    Fixture f;
    WriteBatch batch;
    batch.Put(std::string(kProfilesCollection), "broken", J(R"({"attrs":{}})"));
    REQUIRE(f.store->Write(batch).ok());
    CHECK(absl::IsDataLoss(f.profiles->Get("broken").status()));
    CHECK(absl::IsDataLoss(f.profiles->Patch("broken", J("{}")).status()));
  }

  TEST_CASE("open refuses a null store and bad retry counts") {
    CHECK(absl::IsInvalidArgument(ProfileRepository::Open(nullptr).status()));
    Fixture f;
    CHECK(absl::IsInvalidArgument(ProfileRepository::Open(f.store.get(), {.max_retries = 0}).status()));
    CHECK(absl::IsInvalidArgument(
        ProfileRepository::Open(f.store.get(), {.max_retries = 1001}).status()));
  }

  TEST_CASE("eight threads patching different fields of one profile all land" *
            doctest::test_suite("concurrent")) {
    Fixture f({.max_retries = 1000});
    constexpr int kThreads = 8;
    constexpr int kPatches = 40;
    std::vector<std::thread> threads;
    std::vector<int> failures(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 1; i <= kPatches; ++i) {
          const Json patch =
              *Json::Parse(absl::StrCat(R"({"f)", t, R"(":)", i, R"(,"nested":{"n)", t, R"(":)", i,
                                        "}}"));
          if (!f.profiles->Patch("shared", patch).ok()) ++failures[t];
        }
      });
    }
    for (std::thread& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) CHECK(failures[t] == 0);
    absl::StatusOr<Profile> final_profile = f.profiles->Get("shared");
    REQUIRE(final_profile.ok());
    const std::string text(final_profile->attributes.text());
    for (int t = 0; t < kThreads; ++t) {
      CAPTURE(t);
      CHECK(text.find(absl::StrCat("\"f", t, "\":", kPatches)) != std::string::npos);
      CHECK(text.find(absl::StrCat("\"n", t, "\":", kPatches)) != std::string::npos);
    }
  }

  TEST_CASE("patch retries a conflict on the latest state and gives up with Aborted") {
    Fixture base;
    InterferingStore store(base.store.get());
    absl::StatusOr<std::unique_ptr<ProfileRepository>> repo =
        ProfileRepository::Open(&store, {.max_retries = 3});
    REQUIRE(repo.ok());
    REQUIRE((*repo)->Put("hot", J("{}")).ok());

    // Two conflicts, three attempts: the third merges over the other writer's state.
    store.conflicts_left = 2;
    absl::StatusOr<Profile> merged = (*repo)->Patch("hot", J(R"({"mine":1})"));
    REQUIRE_MESSAGE(merged.ok(), merged.status().ToString());
    CHECK(merged->attributes.text() == R"({"other":2,"mine":1})");
    CHECK(store.writes_refused == 2);

    // More conflicts than attempts: Aborted, and the patch is not applied.
    store.conflicts_left = 10;
    store.writes_refused = 0;
    absl::StatusOr<Profile> gave_up = (*repo)->Patch("hot", J(R"({"late":1})"));
    REQUIRE_FALSE(gave_up.ok());
    CHECK(absl::IsAborted(gave_up.status()));
    CHECK(store.writes_refused == 3);
    store.conflicts_left = 0;
    CHECK((*repo)->Get("hot")->attributes.text().find("late") == std::string_view::npos);

    // With an expected version there is no retry: the conflict is FailedPrecondition.
    const uint64_t version = (*repo)->Get("hot")->version;
    store.conflicts_left = 1;
    CHECK(absl::IsFailedPrecondition((*repo)->Patch("hot", J(R"({"x":1})"), version).status()));
  }
}

}  // namespace
}  // namespace marquee::campaign
