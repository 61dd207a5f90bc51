// A sample record and its JSON text, for the writer tests.
#ifndef MARQUEE_TESTS_SUPPORT_RECORD_SAMPLES_H_
#define MARQUEE_TESTS_SUPPORT_RECORD_SAMPLES_H_

#include <doctest/doctest.h>

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "marquee/json.h"
#include "marquee/json_writer.h"
#include "marquee/record.h"

namespace marquee::test {

// "campaigns"/"spring" at version 42, schema 2, with millisecond timestamps.
inline Record SampleRecord() {
  Record r;
  r.collection = "campaigns";
  r.id = "spring";
  r.version = 42;
  r.schema = 2;
  r.created = absl::FromUnixMillis(1709285400123);  // 2024-03-01T09:30:00.123Z
  r.updated = absl::FromUnixMillis(1709251199999);  // 2024-02-29T23:59:59.999Z
  r.body = *Json::Parse(R"({"title": "Spring sale", "priority": 5})");
  return r;
}

// The record as AppendRecordJson writes it; fails the test on an error.
inline std::string RecordText(const Record& record, const RecordJsonOptions& options = {}) {
  std::string out;
  const absl::Status status = AppendRecordJson(record, &out, options);
  REQUIRE_MESSAGE(status.ok(), status.message());
  return out;
}

}  // namespace marquee::test

#endif  // MARQUEE_TESTS_SUPPORT_RECORD_SAMPLES_H_
