// GDPR erase and export: a store with several users' profiles, votes (with
// tallies, one poll sharded), sticky buckets under two attribute names,
// host records and event aggregates. Erasing the user whose id is a marker
// leaves the marker in no id and no body of any collection, subtracts
// exactly that user's votes from the tallies, and leaves everything else
// as it was; Export before the erase holds exactly the records that mention
// the user.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/privacy.h"
#include "marquee/campaign/profile.h"
#include "marquee/campaign/sticky_bucket.h"
#include "marquee/campaign/value.h"
#include "marquee/memory_store.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

constexpr std::string_view kMarker = "erase-me-7f3a";
// Every collection the fixture writes to.
const std::vector<std::string> kAllCollections = {
    "campaigns", "polls",          "votes",           "poll_tallies", "profiles",
    "sticky_buckets", "event_aggregates", "orders", "consents"};

// Shorthand: most cases here build many small documents.
constexpr auto& J = test::MustParseJson;

using Key = std::pair<std::string, std::string>;  // collection, id

// Every record of `collection`, by id.
std::vector<Record> ScanAll(const Store& store, const std::string& collection) {
  std::vector<Record> all;
  ScanRequest request{.collection = collection, .limit = 1000};
  for (;;) {
    absl::StatusOr<ScanResult> page = store.Scan(request);
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    all.insert(all.end(), page->records.begin(), page->records.end());
    if (!page->more || !page->end) break;
    request.after = page->end;
  }
  return all;
}

std::map<Key, Record> Snapshot(const Store& store) {
  std::map<Key, Record> records;
  for (const std::string& c : kAllCollections) {
    for (Record& r : ScanAll(store, c)) records[{c, r.id}] = std::move(r);
  }
  return records;
}

// Brute force: every record whose id or body contains the marker.
std::set<Key> Mentioning(const Store& store, std::string_view marker) {
  std::set<Key> found;
  for (const auto& [key, r] : Snapshot(store)) {
    if (r.id.find(marker) != std::string::npos ||
        r.body.text().find(marker) != std::string_view::npos) {
      found.insert(key);
    }
  }
  return found;
}

// Option counts of one poll summed over its tally record and shards.
std::map<std::string, int64_t> TallyOf(const Store& store, const std::string& poll) {
  std::map<std::string, int64_t> counts;
  for (const Record& r : ScanAll(store, "poll_tallies")) {
    if (r.id != poll && r.id.rfind(poll + "#", 0) != 0) continue;
    absl::StatusOr<Value> body = Value::FromJson(r.body);
    REQUIRE(body.ok());
    for (const auto& [option, n] : body->Find("counts")->members()) {
      counts[option] += static_cast<int64_t>(n.as_number());
    }
    counts["#total"] += static_cast<int64_t>(body->Find("total")->as_number());
  }
  return counts;
}

// Option counts of one poll from its votes (what the tally must equal).
std::map<std::string, int64_t> CountVotes(const Store& store, const std::string& poll) {
  std::map<std::string, int64_t> counts;
  for (const Record& r : ScanAll(store, "votes")) {
    absl::StatusOr<Value> body = Value::FromJson(r.body);
    REQUIRE(body.ok());
    if (body->Find("poll")->as_string() != poll) continue;
    ++counts[std::string(body->Find("option")->as_string())];
    ++counts["#total"];
  }
  return counts;
}

class World {
 public:
  World() {
    absl::StatusOr<std::unique_ptr<MemoryStore>> s = OpenMemoryStore();
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    store = *std::move(s);
    REQUIRE(PrepareCampaignStore(*store).ok());
    REQUIRE(store
                ->DefineIndex({.collection = "orders",
                               .name = "by_user",
                               .fields = {{.pointer = "/user"}}})
                .ok());
  }

  void Put(const std::string& collection, const std::string& id, std::string_view body) {
    WriteBatch batch;
    batch.Put(collection, id, J(body));
    absl::StatusOr<uint64_t> v = store->Write(batch);
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  }

  // Votes of `user`: poll -> option, plus their tallies.
  void Vote(const std::string& poll, const std::string& user, const std::string& option) {
    Put("votes", poll + "/" + user,
        absl::StrCat(R"({"poll":")", poll, R"(","user":")", user, R"(","option":")", option,
                     R"(","at":"2026-03-01T10:00:00Z"})"));
    votes[poll][option]++;
  }

  // Writes the tallies of every poll voted on: "p3" sharded in two.
  void WriteTallies() {
    for (const auto& [poll, counts] : votes) {
      if (poll == "p3") {
        // Shard 0 counts one vote of each option, shard 1 the rest.
        std::string shard0 = R"({"counts":{)", shard1 = shard0;
        int64_t t0 = 0, t1 = 0;
        bool first = true;
        for (const auto& [option, n] : counts) {
          const int64_t a = n > 0 ? 1 : 0;
          absl::StrAppend(&shard0, first ? "" : ",", "\"", option, "\":", a);
          absl::StrAppend(&shard1, first ? "" : ",", "\"", option, "\":", n - a);
          t0 += a;
          t1 += n - a;
          first = false;
        }
        Put("poll_tallies", "p3#0", absl::StrCat(shard0, R"(},"total":)", t0, R"(,"poll":"p3"})"));
        Put("poll_tallies", "p3#1", absl::StrCat(shard1, R"(},"total":)", t1, R"(,"poll":"p3"})"));
        continue;
      }
      std::string body = absl::StrCat(R"({"poll":")", poll, R"(","counts":{)");
      int64_t total = 0;
      bool first = true;
      for (const auto& [option, n] : counts) {
        absl::StrAppend(&body, first ? "" : ",", "\"", option, "\":", n);
        total += n;
        first = false;
      }
      absl::StrAppend(&body, R"(},"total":)", total, "}");
      Put("poll_tallies", poll, body);
    }
  }

  void Populate() {
    absl::StatusOr<std::unique_ptr<ProfileRepository>> profiles =
        ProfileRepository::Open(store.get());
    REQUIRE(profiles.ok());
    const std::string marker(kMarker);
    for (const std::string& user : {marker, std::string("alice"), std::string("bob")}) {
      REQUIRE((*profiles)->Patch(user, J(absl::StrCat(R"({"name":")", user, R"(","plan":"pro"})"))).ok());
    }
    for (const char* poll : {"p1", "p2", "p3"}) {
      Put("polls", poll,
          R"({"question":"Which?","options":[{"key":"a","label":"A"},{"key":"b","label":"B"}]})");
    }
    Vote("p1", marker, "a");
    Vote("p1", "alice", "a");
    Vote("p1", "bob", "b");
    Vote("p2", marker, "b");
    Vote("p2", "alice", "b");
    Vote("p3", marker, "a");
    Vote("p3", "alice", "a");
    Vote("p3", "bob", "a");
    Vote("p3", "bob2", "b");
    WriteTallies();

    StoreStickyBucketService sticky(store.get());
    REQUIRE(sticky.SaveAssignments({.attribute_name = "id", .attribute_value = marker,
                                    .assignments = {{"exp__0", "1"}}})
                .ok());
    REQUIRE(sticky.SaveAssignments({.attribute_name = "deviceId", .attribute_value = marker,
                                    .assignments = {{"exp__0", "0"}}})
                .ok());
    REQUIRE(sticky.SaveAssignments({.attribute_name = "id", .attribute_value = "alice",
                                    .assignments = {{"exp__0", "0"}}})
                .ok());

    Put("orders", "o1", absl::StrCat(R"({"user":")", marker, R"(","total":10})"));
    Put("orders", "o2", absl::StrCat(R"({"user":")", marker, R"(","total":25})"));
    Put("orders", "o3", R"({"user":"alice","total":5})");
    Put("consents", marker, R"({"marketing":true})");
    Put("consents", "alice", R"({"marketing":false})");
    Put("event_aggregates", "c1|v1|impression|hour|1700000000",
        R"({"campaign":"c1","variant":"v1","type":"impression","bucket":"hour",)"
        R"("start":1700000000,"count":42,"valueSum":0})");
    Put("campaigns", "c1", R"({"name":"Spring","status":"live","priority":1})");
  }

  const std::vector<UserKeyedCollection> extras = {
      {.collection = "orders", .index = "by_user"}, {.collection = "consents", .index = ""}};
  std::unique_ptr<MemoryStore> store;
  std::map<std::string, std::map<std::string, int64_t>> votes;  // poll -> option -> n
};

// (collection, id) of every record in an export document.
std::set<Key> ExportedKeys(const Json& exported) {
  absl::StatusOr<Value> doc = Value::FromJson(exported);
  REQUIRE(doc.ok());
  std::set<Key> keys;
  auto add = [&](const Value& record) {
    keys.insert({std::string(record.Find("collection")->as_string()),
                 std::string(record.Find("id")->as_string())});
  };
  for (const auto& [member, value] : doc->members()) {
    if (member == "user") continue;
    if (value.is_object()) add(value);
    for (const Value& record : value.elements()) add(record);
  }
  return keys;
}

// Forwards to a store, running `interfere` on the inner store before each
// write that touches poll_tallies, as another node voting at that moment.
class ConcurrentVoter : public Store {
 public:
  ConcurrentVoter(Store* inner, std::function<void(Store&)> interfere)
      : inner_(inner), interfere_(std::move(interfere)) {}
  int refused = 0;

  absl::Status DefineIndex(const IndexSpec& spec) override { return inner_->DefineIndex(spec); }
  std::vector<IndexSpec> Indexes(std::string_view c) const override { return inner_->Indexes(c); }
  absl::StatusOr<Record> Get(std::string_view c, std::string_view id) const override {
    return inner_->Get(c, id);
  }
  absl::StatusOr<uint64_t> Write(const WriteBatch& batch, const WriteOptions& options) override {
    for (const WriteBatch::Op& op : batch.ops()) {
      if (op.collection == "poll_tallies") {
        interfere_(*inner_);
        break;
      }
    }
    absl::StatusOr<uint64_t> written = inner_->Write(batch, options);
    if (absl::IsFailedPrecondition(written.status())) ++refused;
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
  std::function<void(Store&)> interfere_;
};

TEST_SUITE("campaign.privacy") {
  TEST_CASE("erase leaves no trace of the user in any collection and reports what it removed") {
    World w;
    w.Populate();
    const std::string marker(kMarker);
    const std::map<Key, Record> before = Snapshot(*w.store);
    const std::set<Key> mentioning = Mentioning(*w.store, kMarker);
    // profile, 3 votes, 2 sticky-bucket docs, 2 orders, 1 consent.
    REQUIRE(mentioning.size() == 9);

    absl::StatusOr<ErasureReport> report =
        EraseUser(*w.store, kMarker, {.extra_collections = w.extras});
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    CHECK(report->total == 9);
    CHECK(report->removed["profiles"] == std::vector<std::string>{marker});
    CHECK(report->removed["votes"] ==
          std::vector<std::string>{"p1/" + marker, "p2/" + marker, "p3/" + marker});
    CHECK(report->removed["sticky_buckets"] ==
          std::vector<std::string>{"deviceId||" + marker, "id||" + marker});
    CHECK(report->removed["orders"] == std::vector<std::string>{"o1", "o2"});
    CHECK(report->removed["consents"] == std::vector<std::string>{marker});
    CHECK(report->removed.count("event_aggregates") == 0);
    // p3's sharded tally: its first shard counting "a" paid for the vote.
    CHECK(report->tally_decrements ==
          std::map<std::string, int64_t, std::less<>>{{"p1", 1}, {"p2", 1}, {"p3#0", 1}});

    // The marker is in no id and no body of any collection.
    const std::map<Key, Record> after = Snapshot(*w.store);
    for (const auto& [key, r] : after) {
      CAPTURE(key.first);
      CAPTURE(key.second);
      CHECK(r.id.find(marker) == std::string::npos);
      CHECK(r.body.text().find(marker) == std::string_view::npos);
    }
    // Everything that did not mention the user is untouched, tallies aside.
    for (const auto& [key, r] : before) {
      if (mentioning.count(key) > 0) {
        CHECK(after.count(key) == 0);
        continue;
      }
      CAPTURE(key.first);
      CAPTURE(key.second);
      REQUIRE(after.count(key) == 1);
      if (key.first == "poll_tallies") continue;
      CHECK(after.at(key) == r);
    }
    CHECK(after.size() == before.size() - mentioning.size());
    // Tallies went down by exactly the user's votes: they equal the votes left.
    for (const std::string poll : {"p1", "p2", "p3"}) {
      CAPTURE(poll);
      CHECK(TallyOf(*w.store, poll) == CountVotes(*w.store, poll));
    }
    CHECK(TallyOf(*w.store, "p1") == std::map<std::string, int64_t>{{"#total", 2}, {"a", 1}, {"b", 1}});
    CHECK(TallyOf(*w.store, "p3") == std::map<std::string, int64_t>{{"#total", 3}, {"a", 2}, {"b", 1}});
    // Members of the tally the eraser does not know survive the subtraction.
    CHECK(w.store->Get("poll_tallies", "p3#0")->body.text().find(R"("poll":"p3")") !=
          std::string_view::npos);
  }

  TEST_CASE("export holds exactly the records that mention the user") {
    World w;
    w.Populate();
    absl::StatusOr<Json> exported = ExportUser(*w.store, kMarker, {.extra_collections = w.extras});
    REQUIRE_MESSAGE(exported.ok(), exported.status().ToString());
    CHECK(ExportedKeys(*exported) == Mentioning(*w.store, kMarker));

    absl::StatusOr<Value> doc = Value::FromJson(*exported);
    REQUIRE(doc.ok());
    CHECK(doc->Find("user")->as_string() == kMarker);
    CHECK(doc->GetPath("profile.body.attributes.name")->as_string() == kMarker);
    CHECK(doc->Find("votes")->size() == 3);
    CHECK(doc->Find("stickyBuckets")->size() == 2);
    CHECK(doc->Find("orders")->size() == 2);
    CHECK(doc->Find("consents")->size() == 1);
    // Full records: the version (a decimal string) and the body.
    const Value& vote = doc->Find("votes")->At(0);
    CHECK(vote.Find("version")->is_string());
    CHECK(vote.GetPath("body.option")->as_string() == "a");

    // Paging through small pages exports the same records.
    absl::StatusOr<Json> paged =
        ExportUser(*w.store, kMarker, {.extra_collections = w.extras, .page_size = 1});
    REQUIRE(paged.ok());
    CHECK(*paged == *exported);
  }

  TEST_CASE("export of an unknown user is empty and export limits are ResourceExhausted") {
    World w;
    w.Populate();
    absl::StatusOr<Json> none = ExportUser(*w.store, "nobody");
    REQUIRE(none.ok());
    CHECK(none->text() == R"({"user":"nobody","profile":null,"votes":[],"stickyBuckets":[]})");
    CHECK(absl::IsResourceExhausted(ExportUser(*w.store, kMarker, {.max_records = 3}).status()));
    CHECK(absl::IsResourceExhausted(ExportUser(*w.store, kMarker, {.max_bytes = 200}).status()));
    CHECK(ExportUser(*w.store, kMarker, {.max_records = 6}).ok());  // profile, 3 votes, 2 sticky
  }

  TEST_CASE("a second erase and erasing an unknown user report nothing") {
    World w;
    w.Populate();
    REQUIRE(EraseUser(*w.store, kMarker, {.extra_collections = w.extras}).ok());
    const uint64_t version = w.store->CurrentVersion();
    absl::StatusOr<ErasureReport> again =
        EraseUser(*w.store, kMarker, {.extra_collections = w.extras});
    REQUIRE(again.ok());
    CHECK(again->total == 0);
    CHECK(again->removed.empty());
    CHECK(again->tally_decrements.empty());
    CHECK(again->batches == 0);
    absl::StatusOr<ErasureReport> unknown = EraseUser(*w.store, "never-seen");
    REQUIRE(unknown.ok());
    CHECK(unknown->total == 0);
    CHECK(w.store->CurrentVersion() == version);  // nothing was written
  }

  TEST_CASE("bad ids and options are InvalidArgument and missing indexes FailedPrecondition") {
    World w;
    CHECK(absl::IsInvalidArgument(EraseUser(*w.store, "").status()));
    CHECK(absl::IsInvalidArgument(EraseUser(*w.store, "p1/u").status()));
    CHECK(absl::IsInvalidArgument(ExportUser(*w.store, std::string(600, 'x')).status()));
    CHECK(absl::IsInvalidArgument(EraseUser(*w.store, "u", {.max_batch_ops = 1}).status()));
    CHECK(absl::IsInvalidArgument(EraseUser(*w.store, "u", {.max_retries = 0}).status()));
    CHECK(absl::IsInvalidArgument(ExportUser(*w.store, "u", {.page_size = 0}).status()));
    for (std::string_view taken : {"votes", "profiles", "stickyBuckets", "user", "bad name!"}) {
      CAPTURE(taken);
      absl::Status s =
          EraseUser(*w.store, "u", {.extra_collections = {{.collection = std::string(taken)}}})
              .status();
      CHECK(absl::IsInvalidArgument(s));
      CHECK(std::string(s.message()).find("extra_collections[0].collection") != std::string::npos);
    }
    CHECK(absl::IsInvalidArgument(
        ExportUser(*w.store, "u",
                   {.extra_collections = {{.collection = "orders", .index = "by_user"},
                                          {.collection = "orders", .index = "by_user"}}})
            .status()));
    absl::Status no_index =
        EraseUser(*w.store, "u", {.extra_collections = {{.collection = "orders", .index = "nope"}}})
            .status();
    CHECK(absl::IsFailedPrecondition(no_index));
    CHECK(std::string(no_index.message()).find("orders.nope") != std::string::npos);

    absl::StatusOr<std::unique_ptr<MemoryStore>> bare = OpenMemoryStore();
    REQUIRE(bare.ok());
    absl::Status unprepared = EraseUser(**bare, "u").status();
    CHECK(absl::IsFailedPrecondition(unprepared));
    CHECK(std::string(unprepared.message()).find("votes.by_user") != std::string::npos);
    CHECK(absl::IsFailedPrecondition(ExportUser(**bare, "u").status()));
  }

  TEST_CASE("a user with 10000 votes is erased in bounded batches with exact tallies") {
    World w;
    constexpr int kPolls = 10'000;
    const std::string marker(kMarker);
    // One vote per poll (a user votes once per poll), each poll also voted
    // by "other"; tallies count both.
    for (int start = 0; start < kPolls; start += 500) {
      WriteBatch batch;
      for (int i = start; i < start + 500; ++i) {
        const std::string poll = absl::StrCat("q", i);
        for (const std::string& user : {marker, std::string("other")}) {
          batch.Put("votes", poll + "/" + user,
                    J(absl::StrCat(R"({"poll":")", poll, R"(","user":")", user,
                                   R"(","option":"x","at":"2026-03-01T10:00:00Z"})")));
        }
        batch.Put("poll_tallies", poll,
                  J(absl::StrCat(R"({"poll":")", poll, R"(","counts":{"x":2},"total":2})")));
      }
      REQUIRE(w.store->Write(batch).ok());
    }
    const uint64_t version_before = w.store->CurrentVersion();
    absl::StatusOr<ErasureReport> report = EraseUser(*w.store, kMarker, {.max_batch_ops = 500});
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    CHECK(report->total == kPolls);
    CHECK(report->removed["votes"].size() == kPolls);
    CHECK(report->tally_decrements.size() == kPolls);
    // Two operations per vote, at most 500 per batch: at least 40 commits,
    // each its own store version.
    CHECK(report->batches == kPolls * 2 / 500);
    CHECK(w.store->CurrentVersion() - version_before == report->batches);
    for (int i : {0, 4999, 9999}) {
      const std::string poll = absl::StrCat("q", i);
      CHECK(TallyOf(*w.store, poll) == std::map<std::string, int64_t>{{"#total", 1}, {"x", 1}});
    }
    absl::StatusOr<ScanResult> left =
        w.store->Scan({.collection = "votes", .index = "by_user",
                       .prefix = {IndexValue::String(marker)}, .limit = 10});
    REQUIRE(left.ok());
    CHECK(left->records.empty());
  }

  TEST_CASE("a tally that changes during the erase is read again and stays exact") {
    World w;
    w.Populate();
    // Before each of the eraser's first writes, another user votes on p1
    // (vote and tally in one batch), so the eraser's compare-and-set on the
    // tally fails and it must read the tally again.
    int interfered = 0;
    ConcurrentVoter voter(w.store.get(), [&](Store& inner) {
      if (interfered >= 2) return;
      const std::string user = absl::StrCat("late", interfered++);
      absl::StatusOr<Record> tally = inner.Get("poll_tallies", "p1");
      REQUIRE(tally.ok());
      absl::StatusOr<Value> body = Value::FromJson(tally->body);
      REQUIRE(body.ok());
      const int64_t a = static_cast<int64_t>(body->GetPath("counts.a")->as_number());
      const int64_t b = static_cast<int64_t>(body->GetPath("counts.b")->as_number());
      WriteBatch batch;
      batch.Put("votes", "p1/" + user,
                J(absl::StrCat(R"({"poll":"p1","user":")", user,
                               R"(","option":"a","at":"2026-03-01T11:00:00Z"})")));
      batch.Put("poll_tallies", "p1",
                J(absl::StrCat(R"({"poll":"p1","counts":{"a":)", a + 1, R"(,"b":)", b,
                               R"(},"total":)", a + b + 1, "}")),
                {.expected_version = tally->version});
      REQUIRE(inner.Write(batch).ok());
    });
    absl::StatusOr<ErasureReport> report =
        EraseUser(voter, kMarker, {.extra_collections = w.extras, .max_retries = 4});
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    CHECK(interfered == 2);
    CHECK(voter.refused > 0);
    CHECK(report->removed["votes"].size() == 3);
    for (const std::string poll : {"p1", "p2", "p3"}) {
      CAPTURE(poll);
      CHECK(TallyOf(*w.store, poll) == CountVotes(*w.store, poll));
    }
    CHECK(TallyOf(*w.store, "p1") == std::map<std::string, int64_t>{{"#total", 4}, {"a", 3}, {"b", 1}});
    CHECK(Mentioning(*w.store, kMarker).empty());
  }

  TEST_CASE("erase gives up with Aborted after max_retries conflicts and a later call finishes") {
    World w;
    w.Populate();
    int interfered = 0;
    ConcurrentVoter voter(w.store.get(), [&](Store& inner) {
      // Touch the user's p1 vote's tally before every write: no batch with
      // it can commit.
      ++interfered;
      absl::StatusOr<Record> tally = inner.Get("poll_tallies", "p1");
      REQUIRE(tally.ok());
      WriteBatch batch;
      batch.Put("poll_tallies", "p1", tally->body);
      REQUIRE(inner.Write(batch).ok());
    });
    absl::StatusOr<ErasureReport> gave_up = EraseUser(voter, kMarker, {.max_retries = 3});
    REQUIRE_FALSE(gave_up.ok());
    CHECK(absl::IsAborted(gave_up.status()));
    CHECK(interfered == 3);
    absl::StatusOr<ErasureReport> finished = EraseUser(*w.store, kMarker);
    REQUIRE(finished.ok());
    CHECK(finished->removed["votes"].size() == 3);
    CHECK(TallyOf(*w.store, "p1") == CountVotes(*w.store, "p1"));
  }
}

}  // namespace
}  // namespace marquee::campaign
