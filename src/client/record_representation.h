// What the client's typed record calls share: the server's representation
// of a record ({"id": ..., <members>}) taken apart and put together, and a
// Send whose non-2xx answers are errors.
#ifndef MARQUEE_SRC_CLIENT_RECORD_REPRESENTATION_H_
#define MARQUEE_SRC_CLIENT_RECORD_REPRESENTATION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/client/client.h"
#include "marquee/json.h"

namespace marquee::client::internal {

struct Representation {
  std::string id;
  Json rest;  // the object without "id", members in order
};

// Errors: DataLoss ("<what> answer: ..."): not an object with a string "id".
absl::StatusOr<Representation> SplitRepresentation(std::string_view text, std::string_view what);

// {"id": id, <the members of `body`, an object>}.
// Errors: InvalidArgument (`body` is not an object).
absl::StatusOr<std::string> JoinRepresentation(std::string_view id, const Json& body);

// client.Send(call), then StatusOfReply (`creating`: 409 is AlreadyExists).
absl::StatusOr<Reply> CheckedReply(Client& client, const Call& call, bool creating = false);

}  // namespace marquee::client::internal

#endif  // MARQUEE_SRC_CLIENT_RECORD_REPRESENTATION_H_
