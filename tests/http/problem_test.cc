// Status → HTTP status, problem+json bodies, and that a 5xx never carries
// the Status message.
#include "marquee/http/problem.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "marquee/json.h"

namespace marquee::http {
namespace {

TEST_SUITE("http.problem") {
  TEST_CASE("every canonical code maps to its HTTP status") {
    CHECK(HttpStatusFor(absl::OkStatus()) == 200);
    CHECK(HttpStatusFor(absl::InvalidArgumentError("x")) == 400);
    CHECK(HttpStatusFor(absl::OutOfRangeError("x")) == 400);
    CHECK(HttpStatusFor(absl::UnauthenticatedError("x")) == 401);
    CHECK(HttpStatusFor(absl::PermissionDeniedError("x")) == 403);
    CHECK(HttpStatusFor(absl::NotFoundError("x")) == 404);
    CHECK(HttpStatusFor(absl::AlreadyExistsError("x")) == 409);
    CHECK(HttpStatusFor(absl::AbortedError("x")) == 409);
    CHECK(HttpStatusFor(absl::FailedPreconditionError("x")) == 409);
    CHECK(HttpStatusFor(absl::ResourceExhaustedError("x")) == 429);
    CHECK(HttpStatusFor(absl::UnimplementedError("x")) == 501);
    CHECK(HttpStatusFor(absl::UnavailableError("x")) == 503);
    CHECK(HttpStatusFor(absl::DeadlineExceededError("x")) == 504);
    CHECK(HttpStatusFor(absl::InternalError("x")) == 500);
    CHECK(HttpStatusFor(absl::DataLossError("x")) == 500);
    CHECK(HttpStatusFor(absl::UnknownError("x")) == 500);
    CHECK(HttpStatusFor(absl::CancelledError("x")) == 500);
  }

  TEST_CASE("a 4xx problem shows the message, its body is RFC 9457 JSON") {
    Response r = ProblemResponse(absl::InvalidArgumentError("variants[1].weight: must be >= 0"));
    CHECK(r.status == 400);
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>(kProblemContentType));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("no-store"));
    CHECK(r.body == R"({"type":"about:blank","title":"Bad Request","status":400,)"
                    R"("detail":"variants[1].weight: must be >= 0"})");
    CHECK(Json::Parse(r.body).ok());
  }

  TEST_CASE("a 5xx problem never shows the message") {
    const absl::Status errors[] = {absl::InternalError("secret path /var/lib/x"),
                                   absl::DataLossError("secret crc"),
                                   absl::UnknownError("secret what()"),
                                   absl::CancelledError("secret"),
                                   absl::UnavailableError("secret host db1:5432"),
                                   absl::DeadlineExceededError("secret"),
                                   absl::UnimplementedError("secret")};
    for (const absl::Status& e : errors) {
      CAPTURE(e.ToString());
      Response r = ProblemResponse(e);
      CHECK(r.status >= 500);
      CHECK(r.body.find("secret") == std::string::npos);
      CHECK(r.body.find(kServerErrorDetail) != std::string::npos);
      CHECK(Json::Parse(r.body).ok());
    }
  }

  TEST_CASE("429 and 503 advise Retry-After, others do not") {
    CHECK(ProblemResponse(absl::ResourceExhaustedError("slow down")).headers.Get("Retry-After") ==
          std::optional<std::string_view>("1"));
    CHECK(ProblemResponse(absl::UnavailableError("x")).headers.Get("Retry-After") ==
          std::optional<std::string_view>("1"));
    CHECK_FALSE(ProblemResponse(absl::InternalError("x")).headers.Has("Retry-After"));
    CHECK_FALSE(ProblemResponse(absl::NotFoundError("x")).headers.Has("Retry-After"));
  }

  TEST_CASE("an OK status is a caller bug: 500, not a success") {
    Response r = ProblemResponse(absl::OkStatus());
    CHECK(r.status == 500);
  }

  TEST_CASE("ProblemJson escapes text and replaces invalid UTF-8, detail is optional") {
    Problem p = MakeProblem(404, "no \"x\"\n\xFF");
    std::string body = ProblemJson(p);
    CHECK(Json::Parse(body).ok());
    CHECK(body.find(R"(no \"x\"\n)") != std::string::npos);
    CHECK(ProblemJson(MakeProblem(404, "")) ==
          R"({"type":"about:blank","title":"Not Found","status":404})");
    Problem custom{.type = "https://example.com/probs/out-of-credit",
                   .title = "You do not have enough credit.",
                   .status = 403,
                   .detail = "Your balance is 30."};
    CHECK(ProblemJson(custom) ==
          R"({"type":"https://example.com/probs/out-of-credit","title":"You do not have enough )"
          R"(credit.","status":403,"detail":"Your balance is 30."})");
  }

  TEST_CASE("reason phrases") {
    CHECK(ReasonPhrase(412) == "Precondition Failed");
    CHECK(ReasonPhrase(413) == "Content Too Large");
    CHECK(ReasonPhrase(428) == "Precondition Required");
    CHECK(ReasonPhrase(599) == "Unknown Status");
  }
}

}  // namespace
}  // namespace marquee::http
