// Content codings of the HTTP API (RFC 9110 §8.4): gzip and zstd answers
// for clients that accept them, and request bodies inflated with a bound.
//
// Why the ETag changes: a strong ETag names one exact representation, and
// the gzip bytes are another representation than the identity bytes
// (RFC 9110 §8.8.3), so a compressed answer's tag gets a suffix ("42"
// becomes "42-gzip" or "42-zstd"). Conditional request headers are read
// with the suffixes removed, so a client may send back whichever tag it
// holds (If-None-Match revalidates, If-Match of a PUT still matches).
// Thread-safety: pure functions.
#ifndef MARQUEE_SRC_HTTP_CONTENT_CODING_H_
#define MARQUEE_SRC_HTTP_CONTENT_CODING_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/http/message.h"

namespace marquee::http::internal {

enum class Coding : uint8_t { kGzip, kZstd };

// Bodies smaller than this are sent as they are: compressing them saves
// less than it costs.
inline constexpr size_t kMinCompressBytes = 1024;

// The coding to answer with for an Accept-Encoding value: zstd, then gzip,
// among those with a non-zero q ("*" counts for both); none for identity.
std::optional<Coding> NegotiateCoding(std::optional<std::string_view> accept_encoding);

// Compresses `response` in place with `coding` when it is worth it (a 200
// or 201 with a body of at least kMinCompressBytes, not already encoded,
// not an event stream): sets Content-Encoding, suffixes the ETag, and adds
// Vary: Accept-Encoding (also when not compressed, for caches).
void CompressResponse(std::optional<Coding> coding, Response& response);

// The body of a request with Content-Encoding `encoding` (gzip, x-gzip,
// zstd or identity), inflated to at most max_bytes.
// Errors: OutOfRange (inflates beyond max_bytes: 413), InvalidArgument
// (corrupt or truncated data: 400), Unimplemented (another coding, or
// more than one: 415).
absl::StatusOr<std::string> InflateBody(std::string_view body, std::string_view encoding,
                                        size_t max_bytes);

// `headers` with the coding suffixes removed from the entity-tags of
// If-Match and If-None-Match.
void StripCodingSuffixes(Headers& headers);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_CONTENT_CODING_H_
