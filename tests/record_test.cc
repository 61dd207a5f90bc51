// Tests for marquee/record.h: collection name and record id validation, and
// Record equality.
#include "marquee/record.h"

#include <doctest/doctest.h>

#include <string>

namespace marquee {
namespace {

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST_SUITE("ValidateCollectionName") {
  TEST_CASE("letters, digits, '_', '.' and '-' are accepted") {
    CHECK(ValidateCollectionName("campaigns").ok());
    CHECK(ValidateCollectionName("A-z_0.9").ok());
    CHECK(ValidateCollectionName("x").ok());
  }

  TEST_CASE("an empty name is rejected") {
    CHECK(ValidateCollectionName("").code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(ValidateCollectionName("")) == "collection name is empty");
  }

  TEST_CASE("the length limit is inclusive") {
    CHECK(ValidateCollectionName(std::string(kMaxCollectionNameBytes, 'c')).ok());
    const absl::Status status =
        ValidateCollectionName(std::string(kMaxCollectionNameBytes + 1, 'c'));
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(status) == "collection name is 129 bytes; the limit is 128");
  }

  TEST_CASE("other characters are rejected with their offset") {
    CHECK(Message(ValidateCollectionName("camp aigns")) ==
          "collection name 'camp aigns' has a character outside [A-Za-z0-9_.-] at byte 4");
    for (const char* name : {"a/b", "a:b", "caf\xc3\xa9", "tab\t", "a\"b", "a\\b"}) {
      CAPTURE(name);
      CHECK(ValidateCollectionName(name).code() == absl::StatusCode::kInvalidArgument);
    }
    CHECK(ValidateCollectionName(std::string("a\0b", 3)).code() ==
          absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("control characters are escaped in the message") {
    CHECK(Message(ValidateCollectionName("a\nb")) ==
          "collection name 'a\\nb' has a character outside [A-Za-z0-9_.-] at byte 1");
  }
}

TEST_SUITE("ValidateRecordId") {
  TEST_CASE("any valid UTF-8 without control characters is accepted") {
    CHECK(ValidateRecordId("spring-2024").ok());
    CHECK(ValidateRecordId("with space/and:punctuation?#%").ok());
    CHECK(ValidateRecordId("caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\xbc\xa2").ok());
    CHECK(ValidateRecordId("\xc2\x80").ok());  // C1 controls are not excluded
  }

  TEST_CASE("an empty id is rejected") {
    CHECK(Message(ValidateRecordId("")) == "record id is empty");
  }

  TEST_CASE("the length limit is inclusive") {
    CHECK(ValidateRecordId(std::string(kMaxIdBytes, 'i')).ok());
    CHECK(Message(ValidateRecordId(std::string(kMaxIdBytes + 1, 'i'))) ==
          "record id is 513 bytes; the limit is 512");
  }

  TEST_CASE("the limit counts bytes, not characters") {
    std::string id;
    while (id.size() + 2 <= kMaxIdBytes) id += "\xc3\xa9";
    CHECK(ValidateRecordId(id).ok());
    id += "\xc3\xa9";
    CHECK(ValidateRecordId(id).code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("invalid UTF-8 is rejected with its offset") {
    CHECK(Message(ValidateRecordId("ab\xff")) == "record id is not valid UTF-8 at byte 2");
    CHECK(Message(ValidateRecordId("a\xc3")) == "record id is not valid UTF-8 at byte 1");
    CHECK(Message(ValidateRecordId("\xc0\xaf")) == "record id is not valid UTF-8 at byte 0");
    CHECK(Message(ValidateRecordId("x\xed\xa0\x80")) ==
          "record id is not valid UTF-8 at byte 1");  // an encoded surrogate
    CHECK(Message(ValidateRecordId("\xf4\x90\x80\x80")) ==
          "record id is not valid UTF-8 at byte 0");  // above U+10FFFF
  }

  TEST_CASE("control characters U+0000..U+001F and U+007F are rejected") {
    CHECK(Message(ValidateRecordId(std::string("a\0", 2))) ==
          "record id has a control character at byte 1");
    CHECK(Message(ValidateRecordId("line\nbreak")) ==
          "record id has a control character at byte 4");
    CHECK(Message(ValidateRecordId("\x1f")) == "record id has a control character at byte 0");
    CHECK(Message(ValidateRecordId("del\x7f")) == "record id has a control character at byte 3");
  }
}

TEST_SUITE("Record") {
  Record Sample() {
    Record record;
    record.collection = "campaigns";
    record.id = "spring";
    record.version = 7;
    record.schema = 2;
    record.created = absl::FromUnixSeconds(100);
    record.updated = absl::FromUnixSeconds(200);
    record.body = *Json::Parse(R"({"name": "spring"})");
    return record;
  }

  TEST_CASE("defaults") {
    const Record record;
    CHECK(record.version == 0);
    CHECK(record.schema == 1);
    CHECK(record.created == absl::UnixEpoch());
    CHECK(record.body.text() == "null");
  }

  TEST_CASE("records with equal fields are equal") {
    CHECK(Sample() == Sample());
    Record copy = Sample();
    copy.body = *Json::Parse(R"( { "name" : "spring" } )");  // same minified body
    CHECK(copy == Sample());
  }

  TEST_CASE("a difference in any field makes records unequal") {
    const Record base = Sample();
    Record r = base;
    r.collection = "other";
    CHECK_FALSE(r == base);
    r = base;
    r.id = "other";
    CHECK_FALSE(r == base);
    r = base;
    r.version = 8;
    CHECK_FALSE(r == base);
    r = base;
    r.schema = 3;
    CHECK_FALSE(r == base);
    r = base;
    r.created = absl::FromUnixSeconds(101);
    CHECK_FALSE(r == base);
    r = base;
    r.updated = absl::FromUnixSeconds(201);
    CHECK_FALSE(r == base);
    r = base;
    r.body = *Json::Parse(R"({"name": "summer"})");
    CHECK_FALSE(r == base);
  }
}

}  // namespace
}  // namespace marquee
