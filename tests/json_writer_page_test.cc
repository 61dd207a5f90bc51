// AppendPageJson and WritePageJson: the page document, caller item writers,
// escaping, and failures that leave the output alone.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "marquee/json.h"
#include "marquee/json_writer.h"
#include "marquee/page.h"
#include "marquee/record.h"
#include "support/record_samples.h"

namespace marquee {
namespace {

using test::RecordText;
using test::SampleRecord;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST_SUITE("AppendPageJson") {
  Page SamplePage() {
    Page page{.next = "bmV4dA", .has_more = true, .limit = 2, .limit_clamped = true};
    page.items = {SampleRecord(), SampleRecord()};
    page.items[1].id = "autumn";
    return page;
  }

  std::string PageText(const Page& page, const PageJsonOptions& options = {}) {
    std::string out;
    const absl::Status status = AppendPageJson(page, &out, options);
    REQUIRE_MESSAGE(status.ok(), status.message());
    return out;
  }

  TEST_CASE("writes items, cursors, flags and the limit in the documented order") {
    const Page page = SamplePage();
    CHECK(PageText(page) == absl::StrCat(R"({"items":[)", RecordText(page.items[0]), ",",
                                         RecordText(page.items[1]),
                                         R"(],"next":"bmV4dA","prev":null,"has_more":true,)"
                                         R"("limit":2,"limit_clamped":true,)"
                                         R"("scan_budget_exhausted":false})"));
    CHECK(PageText(Page{.prev = "cHJldg", .scan_budget_exhausted = true}) ==
          R"({"items":[],"next":null,"prev":"cHJldg","has_more":false,"limit":0,)"
          R"("limit_clamped":false,"scan_budget_exhausted":true})");
  }

  TEST_CASE("items with unicode and escapes parse back to the same strings") {
    Page page = SamplePage();
    const std::string id = "q\"b\\s/\x01\n caf\xc3\xa9 \xf0\x9f\x98\x80 </script>\xe2\x80\xa8";
    page.items[1].id = id;
    page.items[1].body =
        *Json::Parse("{\"t\":\"\\u00e9\\ud83d\\ude00\\n\\\"\",\"u\":\"h\xc3\xa9 <b>\"}");
    for (const bool script_safe : {false, true}) {
      CAPTURE(script_safe);
      const std::string out =
          PageText(page, {.record = {.include_collection = false}, .script_safe = script_safe});
      const absl::StatusOr<Json> parsed = Json::Parse(out);
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
      CHECK(parsed->text() == out);  // already minified
      CHECK((out.find('<') == std::string::npos) == script_safe);
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      REQUIRE(parser.parse(out).get(root) == simdjson::SUCCESS);
      std::string_view got;
      REQUIRE(root["items"].at(1)["id"].get_string().get(got) == simdjson::SUCCESS);
      CHECK(got == id);
      REQUIRE(root["items"].at(1)["body"]["t"].get_string().get(got) == simdjson::SUCCESS);
      CHECK(got == "\xc3\xa9\xf0\x9f\x98\x80\n\"");
      CHECK(root["items"].at(0)["collection"].error() == simdjson::NO_SUCH_FIELD);
    }
  }

  TEST_CASE("a caller's item writer renders each item") {
    const PageJsonOptions options{.write_item = [](const Record& item, JsonWriter* w) {
      w->BeginObject().Key("id").String(item.id).Key("v").Uint(item.version).EndObject();
    }};
    CHECK(PageText(SamplePage(), options) ==
          R"({"items":[{"id":"spring","v":42},{"id":"autumn","v":42}],"next":"bmV4dA",)"
          R"("prev":null,"has_more":true,"limit":2,"limit_clamped":true,)"
          R"("scan_budget_exhausted":false})");
  }

  TEST_CASE("an item that cannot be written fails the page and leaves the output as it was") {
    Page bad_id = SamplePage();
    bad_id.items[1].id = "a\xff";
    const PageItemWriter fails_second = [](const Record& item, JsonWriter* w) {
      if (item.id == "autumn") return w->Fail(absl::NotFoundError("no v1 view of autumn"));
      w->String(item.id);
    };
    const PageItemWriter leaves_open = [](const Record&, JsonWriter* w) { w->BeginArray(); };
    const PageItemWriter closes_items = [](const Record&, JsonWriter* w) {
      w->Null().EndArray();
    };
    const struct {
      const Page page;
      PageJsonOptions options;
      absl::StatusCode code;
      const char* message;
    } cases[] = {
        {bad_id, {}, absl::StatusCode::kInvalidArgument, "JSON string value of member \"id\""},
        {SamplePage(), {.write_item = fails_second}, absl::StatusCode::kNotFound, "no v1 view"},
        {SamplePage(), {.write_item = leaves_open}, absl::StatusCode::kFailedPrecondition,
         "page item 0: the item writer left containers open"},
        {SamplePage(), {.write_item = closes_items}, absl::StatusCode::kFailedPrecondition,
         "page item 0: the item writer left the items array closed"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.message);
      std::string out = "kept";
      const absl::Status status = AppendPageJson(c.page, &out, c.options);
      CHECK(status.code() == c.code);
      CHECK(Message(status).find(c.message) == 0);
      CHECK(out == "kept");
    }
  }

  TEST_CASE("WritePageJson writes a page as a value inside a larger document") {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Key("page");
    WritePageJson(Page{}, {}, &w);
    w.EndObject();
    REQUIRE(w.Finish().ok());
    CHECK(out == R"({"page":{"items":[],"next":null,"prev":null,"has_more":false,"limit":0,)"
                 R"("limit_clamped":false,"scan_budget_exhausted":false}})");
  }
}


}  // namespace
}  // namespace marquee
