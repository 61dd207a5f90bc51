// MemoryStore's log and snapshots in the codec's envelope: v2 round trips,
// encryption at rest (no plaintext on disk; a missing or wrong key is an
// error that changes no file), key rotation, per-collection dictionaries,
// and data dirs written before the envelope (tests/data/store_v1).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "internal/log_format.h"
#include "marquee/clock.h"
#include "marquee/codec.h"
#include "marquee/memory_store.h"
#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace marquee {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const std::string kKey1(kEncryptionKeyBytes, '\x01');
const std::string kKey2(kEncryptionKeyBytes, '\x02');
const std::string kOtherKey1(kEncryptionKeyBytes, '\x7E');
// A body string distinctive enough that finding it in a file means plaintext.
const std::string kCanary = "canary-7c1e9f-plaintext";

std::shared_ptr<const Codec> MakeCodec(const CodecOptions& options) {
  absl::StatusOr<std::unique_ptr<Codec>> codec = Codec::Create(options);
  REQUIRE_MESSAGE(codec.ok(), codec.status().ToString());
  return std::shared_ptr<const Codec>(*std::move(codec));
}

MemoryStoreOptions Options(const std::string& dir, std::shared_ptr<const Codec> codec = nullptr) {
  return MemoryStoreOptions{.data_dir = dir,
                            .fsync = FsyncPolicy::kAlways,
                            .snapshot_after_log_bytes = 0,
                            .codec = std::move(codec)};
}

std::unique_ptr<MemoryStore> MustOpen(const MemoryStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return *std::move(store);
}

Json MustParse(std::string_view text) {
  absl::StatusOr<Json> json = Json::Parse(text);
  REQUIRE_MESSAGE(json.ok(), json.status().ToString());
  return *std::move(json);
}

uint64_t MustWrite(MemoryStore& store, const WriteBatch& batch) {
  absl::StatusOr<uint64_t> version = store.Write(batch);
  REQUIRE_MESSAGE(version.ok(), version.status().ToString());
  return *version;
}

uint64_t Put(MemoryStore& store, std::string collection, std::string id, std::string_view body) {
  WriteBatch batch;
  batch.Put(std::move(collection), std::move(id), MustParse(body));
  return MustWrite(store, batch);
}

// Every record of `collections`, by "collection/id".
std::map<std::string, Record> AllRecords(MemoryStore& store,
                                         const std::vector<std::string>& collections) {
  std::map<std::string, Record> all;
  for (const std::string& collection : collections) {
    ScanRequest request{.collection = collection, .limit = 1000};
    absl::StatusOr<ScanResult> page = store.Scan(request);
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    CHECK_FALSE(page->more);
    for (const Record& record : page->records) {
      all[absl::StrCat(record.collection, "/", record.id)] = record;
    }
  }
  return all;
}

// The files of a data dir except LOCK, by name.
std::map<std::string, std::string> DirContents(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name != "LOCK") files[name] = test::ReadFileBytes(entry.path().string());
  }
  return files;
}

std::vector<std::string> Names(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> names;
  for (const auto& [name, bytes] : DirContents(dir)) {
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(),
                                                     suffix) == 0) {
      names.push_back(name);
    }
  }
  return names;
}

uint32_t LoadU32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[at + i]);
  return v;
}

// The envelopes of a v2 log file's frames, with their offsets.
std::vector<std::pair<size_t, std::string>> LogEnvelopes(const std::string& bytes) {
  REQUIRE(bytes.compare(0, 8, std::string("MQLOG\0\0\2", 8)) == 0);
  std::vector<std::pair<size_t, std::string>> envelopes;
  size_t at = internal::kLogFileHeaderBytes;
  while (at < bytes.size()) {
    REQUIRE(bytes.size() - at >= internal::kFrameHeaderBytes);
    const uint32_t length = LoadU32(bytes, at + 4);
    REQUIRE(bytes.size() - at - internal::kFrameHeaderBytes >= length);
    envelopes.emplace_back(at, bytes.substr(at + internal::kFrameHeaderBytes, length));
    at += internal::kFrameHeaderBytes + length;
  }
  return envelopes;
}

// Opening must fail with `code`, naming `file` and "at byte", and leave
// every file as it was.
void ExpectOpenFails(const MemoryStoreOptions& options, absl::StatusCode code,
                     const std::string& file, const std::string& at = " at byte ") {
  const std::map<std::string, std::string> before = DirContents(options.data_dir);
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(options);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == code);
  const std::string message(store.status().message());
  CHECK_MESSAGE(message.find(file + at) != std::string::npos, message);
  CHECK(DirContents(options.data_dir) == before);
}

TEST_CASE("a store round-trips through v2 logs and snapshots") {
  TempDir dir("envelope");
  std::map<std::string, Record> written;
  {
    auto store = MustOpen(Options(dir.path()));
    for (int i = 0; i < 40; ++i) {
      Put(*store, i % 2 ? "campaigns" : "polls", absl::StrCat("id-", i),
          absl::StrCat(R"({"n":)", i, R"(,"text":"Ünïcode ☀️ )", std::string(i * 10, 'z'), "\"}"));
    }
    WriteBatch mixed;
    mixed.Erase("campaigns", "id-1").Put("segments", "s", MustParse(R"({"rule":true})"));
    MustWrite(*store, mixed);
    REQUIRE(store->Checkpoint().ok());
    Put(*store, "campaigns", "after", R"({"after":"the snapshot"})");
    written = AllRecords(*store, {"campaigns", "polls", "segments"});
  }
  CHECK(written.size() == 41);
  for (const std::string& name : Names(dir.path(), ".mlog")) {
    CHECK(test::ReadFileBytes(dir.Join(name)).compare(0, 8, std::string("MQLOG\0\0\2", 8)) == 0);
  }
  const std::vector<std::string> snapshots = Names(dir.path(), ".msnap");
  REQUIRE(snapshots.size() == 1);
  CHECK(test::ReadFileBytes(dir.Join(snapshots[0])).compare(0, 8, std::string("MQSNAP\0\2", 8)) ==
        0);

  auto store = MustOpen(Options(dir.path()));
  CHECK(store->recovery().snapshot_version == 41);
  CHECK(store->recovery().replayed_batches == 1);
  CHECK(AllRecords(*store, {"campaigns", "polls", "segments"}) == written);
}

// Writes an encrypted store (a snapshot and a log, or a log only), checks
// its files, then reopens it with the key, without it, with a wrong one.
void CheckEncryptedStore(bool with_snapshot) {
  TempDir dir("envelope");
  const auto codec = MakeCodec({.keys = {{.id = 1, .key = kKey1}}, .active_key_id = 1});
  std::map<std::string, Record> written;
  {
    auto store = MustOpen(Options(dir.path(), codec));
    Put(*store, "campaigns", "secret", absl::StrCat(R"({"code":")", kCanary, "\"}"));
    Put(*store, "polls", "other", R"({"q":"still secret"})");
    if (with_snapshot) REQUIRE(store->Checkpoint().ok());
    Put(*store, "campaigns", "secret-2", absl::StrCat(R"({"code":")", kCanary, "\"}"));
    written = AllRecords(*store, {"campaigns", "polls"});
  }
  for (const auto& [name, bytes] : DirContents(dir.path())) {
    CAPTURE(name);
    CHECK(bytes.find(kCanary) == std::string::npos);
    CHECK(bytes.find("campaigns") == std::string::npos);
  }
  // The file recovery reads first is the one the error names.
  const std::string first_file =
      with_snapshot ? Names(dir.path(), ".msnap").at(0) : Names(dir.path(), ".mlog").at(0);
  const std::string at = with_snapshot ? " at byte 16" : " at byte 16:";

  SUBCASE("reopened with the key") {
    auto store = MustOpen(Options(dir.path(), codec));
    CHECK(AllRecords(*store, {"campaigns", "polls"}) == written);
  }
  SUBCASE("reopened without a key") {
    ExpectOpenFails(Options(dir.path()), absl::StatusCode::kFailedPrecondition,
                    dir.Join(first_file), at);
  }
  SUBCASE("reopened with another key under the same id") {
    ExpectOpenFails(Options(dir.path(), MakeCodec({.keys = {{.id = 1, .key = kOtherKey1}}})),
                    absl::StatusCode::kPermissionDenied, dir.Join(first_file), at);
  }
}

TEST_CASE("an encrypted log keeps no plaintext and opens only with its key") {
  CheckEncryptedStore(/*with_snapshot=*/false);
}

TEST_CASE("an encrypted snapshot and log keep no plaintext and open only with their key") {
  CheckEncryptedStore(/*with_snapshot=*/true);
}

TEST_CASE("a last log frame sealed with a missing key is an error and not a torn tail") {
  TempDir dir("envelope");
  {
    auto store = MustOpen(Options(dir.path()));
    Put(*store, "campaigns", "plain", R"({"a":1})");
  }
  {
    auto store = MustOpen(
        Options(dir.path(), MakeCodec({.keys = {{.id = 9, .key = kKey1}}, .active_key_id = 9})));
    Put(*store, "campaigns", "sealed", R"({"b":2})");
  }
  const std::vector<std::string> logs = Names(dir.path(), ".mlog");
  REQUIRE(logs.size() == 1);
  const auto envelopes = LogEnvelopes(test::ReadFileBytes(dir.Join(logs[0])));
  REQUIRE(envelopes.size() == 2);
  absl::StatusOr<EnvelopeHeader> last = Codec::PeekHeader(envelopes[1].second);
  REQUIRE(last.ok());
  CHECK(last->key_id == std::optional<uint32_t>(9));
  ExpectOpenFails(Options(dir.path()), absl::StatusCode::kFailedPrecondition, dir.Join(logs[0]),
                  absl::StrCat(" at byte ", envelopes[1].first, ": "));
}

TEST_CASE("keys rotate: old files read with the old key, a checkpoint retires it") {
  TempDir dir("envelope");
  {
    auto store = MustOpen(
        Options(dir.path(), MakeCodec({.keys = {{.id = 1, .key = kKey1}}, .active_key_id = 1})));
    Put(*store, "campaigns", "one", R"({"k":1})");
    REQUIRE(store->Checkpoint().ok());
    Put(*store, "campaigns", "two", R"({"k":2})");
  }
  const auto both = MakeCodec(
      {.keys = {{.id = 1, .key = kKey1}, {.id = 2, .key = kKey2}}, .active_key_id = 2});
  std::map<std::string, Record> written;
  {
    auto store = MustOpen(Options(dir.path(), both));
    Put(*store, "campaigns", "three", R"({"k":3})");
    written = AllRecords(*store, {"campaigns"});
    CHECK(written.size() == 3);
  }
  // The log holds frames under both keys now.
  const std::vector<std::string> logs = Names(dir.path(), ".mlog");
  REQUIRE(logs.size() == 1);
  std::vector<uint32_t> key_ids;
  for (const auto& [offset, envelope] : LogEnvelopes(test::ReadFileBytes(dir.Join(logs[0])))) {
    absl::StatusOr<EnvelopeHeader> header = Codec::PeekHeader(envelope);
    REQUIRE(header.ok());
    key_ids.push_back(header->key_id.value_or(0));
  }
  CHECK(key_ids == std::vector<uint32_t>{1, 2});
  const auto only_new = MakeCodec({.keys = {{.id = 2, .key = kKey2}}, .active_key_id = 2});
  ExpectOpenFails(Options(dir.path(), only_new), absl::StatusCode::kFailedPrecondition,
                  dir.Join(Names(dir.path(), ".msnap").at(0)));
  {
    auto store = MustOpen(Options(dir.path(), both));
    CHECK(AllRecords(*store, {"campaigns"}) == written);
    Put(*store, "campaigns", "four", R"({"k":4})");
    REQUIRE(store->Checkpoint().ok());
    written = AllRecords(*store, {"campaigns"});
  }
  {
    auto store = MustOpen(Options(dir.path(), both));
    CHECK(AllRecords(*store, {"campaigns"}) == written);
  }
  // Everything key 1 sealed is gone after the checkpoint.
  auto store = MustOpen(Options(dir.path(), only_new));
  CHECK(AllRecords(*store, {"campaigns"}) == written);
}

std::string CampaignBody(int i) {
  return absl::StrCat(R"({"name":"Campaign number )", i,
                      R"(","status":"active","priority":)", i % 10,
                      R"(,"targeting":{"countries":["FR","DE","US"],"min_age":)", 18 + i % 30,
                      R"(},"variants":[{"id":"control","weight":50},)",
                      R"({"id":"treatment","weight":50}],)",
                      R"("content":{"headline":"Spring sale )", i % 7,
                      R"(","cta":"Shop now","color":"#ff6600"}})");
}

TEST_CASE("a collection's dictionary shrinks its frames and is needed to read them") {
  std::vector<std::string> samples;
  for (int i = 0; i < 2000; ++i) samples.push_back(CampaignBody(i + 100'000));
  absl::StatusOr<Dictionary> dictionary = TrainDictionary(samples, /*id=*/77, 4096);
  REQUIRE_MESSAGE(dictionary.ok(), dictionary.status().ToString());

  const auto write_all = [](const std::string& dir, std::shared_ptr<const Codec> codec) {
    auto store = MustOpen(Options(dir, std::move(codec)));
    for (int i = 0; i < 200; ++i) Put(*store, "campaigns", absl::StrCat("c", i), CampaignBody(i));
    WriteBatch mixed;
    mixed.Put("campaigns", "m", MustParse(CampaignBody(1))).Put("polls", "p", MustParse("{}"));
    MustWrite(*store, mixed);
  };
  TempDir plain_dir("envelope");
  write_all(plain_dir.path(), MakeCodec({}));
  std::shared_ptr<Codec> with_dictionary = Codec::Create({}).value();
  REQUIRE(with_dictionary->AddDictionary("campaigns", *dictionary).ok());
  TempDir dict_dir("envelope");
  write_all(dict_dir.path(), with_dictionary);

  const std::string plain_log =
      test::ReadFileBytes(plain_dir.Join(Names(plain_dir.path(), ".mlog").at(0)));
  const std::string dict_log_name = Names(dict_dir.path(), ".mlog").at(0);
  const std::string dict_log = test::ReadFileBytes(dict_dir.Join(dict_log_name));
  MESSAGE("log bytes without a dictionary: " << plain_log.size()
                                             << ", with: " << dict_log.size());
  CHECK(dict_log.size() * 10 < plain_log.size() * 7);
  const auto envelopes = LogEnvelopes(dict_log);
  REQUIRE(envelopes.size() == 201);
  CHECK(Codec::PeekHeader(envelopes[0].second)->dictionary_id == std::optional<uint32_t>(77));
  // A commit over two collections is written without a dictionary.
  CHECK_FALSE(Codec::PeekHeader(envelopes[200].second)->dictionary_id.has_value());

  ExpectOpenFails(Options(dict_dir.path(), MakeCodec({})), absl::StatusCode::kFailedPrecondition,
                  dict_dir.Join(dict_log_name), " at byte 16: ");
  auto reopened = MustOpen(Options(dict_dir.path(), with_dictionary));
  CHECK(AllRecords(*reopened, {"campaigns", "polls"}).size() == 202);
}

TEST_CASE("a batch the codec cannot hold fails alone and the store goes on") {
  TempDir dir("envelope");
  const auto small = MakeCodec({.max_payload_bytes = 300 << 10});
  {
    auto store = MustOpen(Options(dir.path(), small));
    Put(*store, "campaigns", "before", R"({"ok":1})");
    WriteBatch big;
    big.Put("campaigns", "big", MustParse(absl::StrCat("\"", std::string(400 << 10, 'b'), "\"")))
        .Put("campaigns", "before", MustParse(R"({"ok":"overwritten?"})"));
    absl::StatusOr<uint64_t> refused = store->Write(big);
    CHECK(absl::IsOutOfRange(refused.status()));
    CHECK(store->CurrentVersion() == 1);
    CHECK(absl::IsNotFound(store->Get("campaigns", "big").status()));
    CHECK(store->Get("campaigns", "before")->body.text() == R"({"ok":1})");
    Put(*store, "campaigns", "after", R"({"ok":2})");
    CHECK(store->CurrentVersion() == 2);
  }
  auto store = MustOpen(Options(dir.path(), small));
  CHECK(AllRecords(*store, {"campaigns"}).size() == 2);
  CHECK(store->Get("campaigns", "after")->version == 2);
}

// A batch that fails to encode in the middle of a commit group must leave no
// trace for the batches after it in the group: writers of fresh keys with
// "must not exist" race writers whose batches of the same keys are too big.
TEST_CASE("a batch failing to encode inside a commit group leaves no trace" *
          doctest::test_suite("concurrent")) {
  TempDir dir("envelope");
  auto store = MustOpen(Options(dir.path(), MakeCodec({.max_payload_bytes = 300 << 10})));
  const Json big = MustParse(absl::StrCat("\"", std::string(310 << 10, 'g'), "\""));
  constexpr int kKeys = 300;
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  std::thread too_big([&] {
    for (int i = 0; i < kKeys; ++i) {
      WriteBatch batch;
      batch.Put("c", absl::StrCat("k", i), big);
      absl::StatusOr<uint64_t> version = store->Write(batch);
      if (absl::IsOutOfRange(version.status())) {
        refused.fetch_add(1);
      } else {
        unexpected.fetch_add(1);
      }
    }
  });
  std::thread fresh([&] {
    for (int i = 0; i < kKeys; ++i) {
      WriteBatch batch;
      batch.Put("c", absl::StrCat("k", i), MustParse(absl::StrCat(i)),
                WriteCondition{.expected_version = 0});
      if (!store->Write(batch).ok()) unexpected.fetch_add(1);
    }
  });
  too_big.join();
  fresh.join();
  CHECK(refused.load() == kKeys);
  CHECK(unexpected.load() == 0);
  CHECK(store->CurrentVersion() == kKeys);
  for (int i = 0; i < kKeys; ++i) {
    absl::StatusOr<Record> record = store->Get("c", absl::StrCat("k", i));
    REQUIRE(record.ok());
    CHECK(record->body.text() == absl::StrCat(i));
  }
}

TEST_CASE("a codec too small for a snapshot chunk is refused at open") {
  TempDir dir("envelope");
  absl::StatusOr<std::unique_ptr<MemoryStore>> store =
      OpenMemoryStore(Options(dir.path(), MakeCodec({.max_payload_bytes = 1000})));
  CHECK(absl::IsInvalidArgument(store.status()));
}

// ---- data dirs written before the envelope --------------------------------

struct Expected {
  const char* collection;
  const char* id;
  uint64_t version;
  uint32_t schema;
  int64_t created_by;  // the commit that stamped `created`
  int64_t updated_by;
  const char* body;
};

// The state tests/data/store_v1 holds (README.txt says how it was made).
// Commit n was stamped at 1,700,000,000 s + (n - 1) * 1.000123 s.
const Expected kV1Records[] = {
    {"campaigns", "spring", 5, 1, 1, 5,
     R"({"name":"Spring sale","priority":7,"tags":["a","b","c"]})"},
    {"campaigns", "winter", 8, 3, 8, 8, R"({"name":"Winter is back","priority":2})"},
    {"campaigns", "été-🌞", 3, 1, 3, 3, R"({"name":"Été ☀️ 日本語","priority":3})"},
    {"campaigns", "ünïcødé-ид", 7, 1, 7, 7, R"({"text":"Ωμέγα 中文 emoji 🎉","escaped":"\u00e9\n"})"},
    {"polls", "favorite-color", 7, 1, 2, 7,
     R"({"question":"Quelle couleur préférez-vous ?","options":["rouge","vert","bleu"]})"},
    {"segments", "new-users", 7, 2, 7, 7, R"({"rule":{"signed_up_days":{"$lt":7}}})"},
};

absl::Time CommitTime(int64_t version) {
  return absl::FromUnixSeconds(1'700'000'000) +
         (version - 1) * (absl::Seconds(1) + absl::Microseconds(123));
}

void CheckV1Records(MemoryStore& store) {
  const std::map<std::string, Record> all = AllRecords(store, {"campaigns", "polls", "segments"});
  CHECK(all.size() == std::size(kV1Records));
  for (const Expected& want : kV1Records) {
    const std::string id = want.id;
    CAPTURE(id);
    auto it = all.find(absl::StrCat(want.collection, "/", want.id));
    REQUIRE(it != all.end());
    const Record& got = it->second;
    CHECK(got.version == want.version);
    CHECK(got.schema == want.schema);
    CHECK(got.created == CommitTime(want.created_by));
    CHECK(got.updated == CommitTime(want.updated_by));
    CHECK(got.body.text() == MustParse(want.body).text());
  }
  CHECK(absl::IsNotFound(store.Get("segments", "vip").status()));
}

void CopyFixture(const std::string& to) {
  const fs::path from = fs::path(MARQUEE_TEST_DATA_DIR) / "store_v1";
  for (const auto& entry : fs::directory_iterator(from)) {
    const std::string name = entry.path().filename().string();
    if (name == "README.txt") continue;
    fs::copy_file(entry.path(), fs::path(to) / name);
  }
}

void CheckV1Upgrade(bool encrypted) {
  TempDir dir("envelope");
  CopyFixture(dir.path());
  const std::string v1_snapshot = "snapshot-00000000000000000004.msnap";
  const std::string v1_log = "log-00000000000000000005.mlog";
  REQUIRE(Names(dir.path(), ".msnap") == std::vector<std::string>{v1_snapshot});
  REQUIRE(Names(dir.path(), ".mlog") == std::vector<std::string>{v1_log});
  CHECK(test::ReadFileBytes(dir.Join(v1_snapshot)).compare(0, 8, std::string("MQSNAP\0\1", 8)) ==
        0);
  const std::string v1_log_bytes = test::ReadFileBytes(dir.Join(v1_log));
  CHECK(v1_log_bytes.compare(0, 8, std::string("MQLOG\0\0\1", 8)) == 0);

  const auto codec =
      encrypted ? MakeCodec({.keys = {{.id = 3, .key = kKey1}}, .active_key_id = 3}) : nullptr;
  {
    auto store = MustOpen(Options(dir.path(), codec));
    CHECK(store->recovery().snapshot_version == 4);
    CHECK(store->recovery().replayed_batches == 4);
    CHECK(store->CurrentVersion() == 8);
    CheckV1Records(*store);
    // The v1 log is kept as it was; new commits go to a new v2 log.
    CHECK(test::ReadFileBytes(dir.Join(v1_log)) == v1_log_bytes);
    CHECK(Names(dir.path(), ".mlog") ==
          std::vector<std::string>{v1_log, "log-00000000000000000009.mlog"});
    Put(*store, "campaigns", "new", R"({"added":"after the upgrade"})");
  }
  {
    // v1 then v2 logs replay in order.
    auto store = MustOpen(Options(dir.path(), codec));
    CHECK(store->CurrentVersion() == 9);
    CHECK(store->recovery().replayed_batches == 5);
    CHECK(store->Get("campaigns", "new").ok());
    REQUIRE(store->Checkpoint().ok());
    Put(*store, "polls", "after-checkpoint", R"({"n":10})");
  }
  for (const auto& [name, bytes] : DirContents(dir.path())) {
    CAPTURE(name);
    if (name.ends_with(".mlog")) CHECK(bytes.compare(0, 8, std::string("MQLOG\0\0\2", 8)) == 0);
    if (name.ends_with(".msnap")) CHECK(bytes.compare(0, 8, std::string("MQSNAP\0\2", 8)) == 0);
    if (encrypted) CHECK(bytes.find("Winter is back") == std::string::npos);
  }
  auto store = MustOpen(Options(dir.path(), codec));
  CHECK(store->recovery().snapshot_version == 9);
  CHECK(store->CurrentVersion() == 10);
  CHECK(store->Get("campaigns", "new").ok());
  CHECK(store->Get("polls", "after-checkpoint").ok());
  CHECK(absl::IsNotFound(store->Get("segments", "vip").status()));
  const std::map<std::string, Record> all = AllRecords(*store, {"campaigns", "polls", "segments"});
  CHECK(all.size() == std::size(kV1Records) + 2);
  for (const Expected& want : kV1Records) {
    auto it = all.find(absl::StrCat(want.collection, "/", want.id));
    REQUIRE(it != all.end());
    CHECK(it->second.version == want.version);
    CHECK(it->second.body.text() == MustParse(want.body).text());
  }
}

TEST_CASE("a v1 data dir opens, upgrades to v2 files and loses nothing") {
  CheckV1Upgrade(/*encrypted=*/false);
}

TEST_CASE("a v1 data dir upgrades to encrypted v2 files") { CheckV1Upgrade(/*encrypted=*/true); }

TEST_CASE("a v1 log with a torn tail is cut and continued in a v2 log") {
  TempDir dir("envelope");
  CopyFixture(dir.path());
  const std::string v1_log = dir.Join("log-00000000000000000005.mlog");
  const std::string intact = test::ReadFileBytes(v1_log);
  REQUIRE(test::WriteFileBytes(v1_log, intact + std::string("RFQM\x01\x02", 6)));
  {
    auto store = MustOpen(Options(dir.path()));
    CHECK(store->recovery().truncated_bytes == 6);
    CheckV1Records(*store);
    Put(*store, "campaigns", "new", R"({"n":9})");
  }
  CHECK(test::ReadFileBytes(v1_log) == intact);
  auto store = MustOpen(Options(dir.path()));
  CHECK(store->recovery().truncated_bytes == 0);
  CHECK(store->CurrentVersion() == 9);
}

}  // namespace
}  // namespace marquee
