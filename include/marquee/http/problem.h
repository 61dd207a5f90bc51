// marquee/http/problem.h — RFC 9457 problem details and Status → HTTP status.
//
// Every 4xx and 5xx answer of the Api carries an application/problem+json
// body {"type","title","status","detail"}. Problems made from an
// absl::Status use type "about:blank" with the status code's reason phrase
// as the title (RFC 9457 §4.2.1), and as detail:
//   - for a 4xx, the status message, which names what was wrong with the
//     input ("variants[1].weight: must be >= 0, got -0.2");
//   - for a 5xx, a fixed generic sentence: the message of an Internal,
//     DataLoss, Unknown, Unavailable, ... status may hold file names, byte
//     offsets or backend text and never reaches a client.
//
// The mapping (HttpStatusFor):
//   OK                                    200
//   InvalidArgument, OutOfRange           400
//   Unauthenticated                       401
//   PermissionDenied                      403
//   NotFound                              404
//   AlreadyExists, Aborted                409
//   FailedPrecondition                    409 (a refused state change, such as
//       a status transition; a route that evaluates If-Match answers 412
//       itself when the version does not match, it never comes from here)
//   ResourceExhausted                     429, with Retry-After
//   Unimplemented                         501
//   Unavailable                           503, with Retry-After
//   DeadlineExceeded                      504
//   Cancelled, Unknown, Internal, DataLoss, and any other code    500
// Decisions that differ from a literal reading of the codes: Cancelled is
// 500, not nginx's 499 (the client did not necessarily go away: in Marquee
// it means a shutdown); OutOfRange is a 400 because Marquee uses it for
// inputs past a limit.
// Thread-safety: pure functions.
//
//   absl::StatusOr<Campaign> c = repo->Get(id);
//   if (!c.ok()) return marquee::http::ProblemResponse(c.status());
#ifndef MARQUEE_HTTP_PROBLEM_H_
#define MARQUEE_HTTP_PROBLEM_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "marquee/export.h"
#include "marquee/http/message.h"

namespace marquee::http {

inline constexpr std::string_view kProblemContentType = "application/problem+json";

// The detail of every 5xx problem made from a Status.
inline constexpr std::string_view kServerErrorDetail =
    "The server could not complete the request; try again later.";

// Seconds advised by Retry-After on 429 and 503 made from a Status.
inline constexpr int kDefaultRetryAfterSeconds = 1;

struct Problem {
  // A URI naming the kind of problem. Default: "about:blank".
  std::string type = "about:blank";
  // A short summary of the kind; for about:blank, the reason phrase.
  std::string title{};
  // The HTTP status code.
  int status = 500;
  // What went wrong with this request, for a human. May be empty (left out).
  std::string detail{};
};

// The HTTP status code for `status` (table at the top of this file).
MARQUEE_EXPORT int HttpStatusFor(const absl::Status& status);

// The reason phrase of an HTTP status code ("Not Found"); "Unknown Status"
// for a code this library never sends.
MARQUEE_EXPORT std::string_view ReasonPhrase(int http_status);

// The problem for `status`, which must not be OK (an OK status gives a 500
// problem: it is a caller bug, not a success). Detail as described above.
MARQUEE_EXPORT Problem ProblemFor(const absl::Status& status);

// A problem with type about:blank, the reason phrase of `http_status` as
// title, and `detail` (shown to the client as is: never internal text).
MARQUEE_EXPORT Problem MakeProblem(int http_status, std::string_view detail);

// The problem as its JSON body, members in the order type, title, status,
// detail (detail only when not empty). Text that is not valid UTF-8 is
// written with U+FFFD, so the body is always valid JSON.
MARQUEE_EXPORT std::string ProblemJson(const Problem& problem);

// A Response carrying `problem`: its status, Content-Type
// application/problem+json, Cache-Control no-store, and the JSON body.
MARQUEE_EXPORT Response ProblemResponse(const Problem& problem);

// ProblemResponse(ProblemFor(status)), plus Retry-After on 429 and 503.
MARQUEE_EXPORT Response ProblemResponse(const absl::Status& status);

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_PROBLEM_H_
