// marquee/page.h — keyset pagination with signed cursors.
//
// A Paginator pages through one index of a collection, on any Store, with a
// filter. A page continues strictly after (or before) the row its cursor
// marks, never at an OFFSET, so page 10,000 costs what page 1 costs, and rows
// inserted or deleted between two fetches neither duplicate nor skip the
// others. Equality, IN and range predicates on the index's leading fields
// become index ranges; the rest of the filter is checked on each scanned row
// under a scan budget, so a filter that matches nothing comes back as short
// pages with a cursor to continue, never as a scan of the whole collection.
// Items may be cut down to a sparse fieldset ("/name", "/schedule/start").
//
// Cursors are opaque URL-safe strings holding the row's position, the
// collection, the index, the direction, fingerprints of the filter and of the
// index's sort, and the issue time, signed with HMAC-SHA256 under a
// per-deployment key; a cursor signed with the previous key still verifies,
// so keys can be rotated. A cursor that was forged, truncated or tampered
// with, that expired, or that was issued for another collection, index,
// filter or sort is refused with InvalidArgument naming the reason.
// Thread-safety: Paginator and CursorCodec are immutable and thread-safe;
// the rest are values.
//
//   auto paginator = marquee::Paginator::Create(
//       store.get(), {.current_key = {.id = "2024-06", .secret = secret_from_vault}});
//   if (!paginator.ok()) return paginator.status();
//   marquee::PageRequest request{
//       .collection = "campaigns", .index = "by_priority",
//       .filter = {.all_of = {{.pointer = "/status", .op = marquee::PredicateOp::kEq,
//                              .operands = {marquee::IndexValue::String("live")}}}},
//       .limit = 20, .fields = {"/name", "/priority"}};
//   absl::StatusOr<marquee::Page> page = (*paginator)->Fetch(request);
//   while (page.ok() && page->next) {  // every matching campaign, 20 at a time
//     request.after = *page->next;
//     page = (*paginator)->Fetch(request);
//   }
#ifndef MARQUEE_PAGE_H_
#define MARQUEE_PAGE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/index.h"
#include "marquee/record.h"
#include "marquee/store.h"

namespace marquee {

// ---- cursors ---------------------------------------------------------------

// A signing key for cursors. Keep secrets out of source control; rotate by
// making the current key the previous one and adding a new current key.
struct CursorKey {
  // Names the key inside each cursor, so the verifier picks the right one:
  // 1..64 bytes of [A-Za-z0-9_.-].
  std::string id{};
  // At least 32 bytes, ideally random.
  std::string secret{};
};

// Which rows a cursor selects, relative to its position.
enum class CursorDirection : uint8_t {
  kAfter,   // rows after the position (a page's `next`)
  kBefore,  // rows before the position (a page's `prev`)
};

// The content of a cursor. Callers of Paginator never see one; CursorCodec
// is public so fuzzers and tools can encode and decode them directly.
struct Cursor {
  std::string collection{};
  // The index name; "" is the id order.
  std::string index{};
  CursorDirection direction = CursorDirection::kAfter;
  // True when the row at `position` itself is selected too (at or after, at
  // or before). Default: false (strictly after or before).
  bool inclusive = false;
  // The row the cursor is relative to: its index values and id.
  ScanPosition position{};
  // Digests of the index's fields and sort orders, and of the filter, each
  // kCursorFingerprintBytes long.
  std::string sort_fingerprint{};
  std::string filter_fingerprint{};
  // When the cursor was issued: set by Encode from the clock (ignored on
  // input), read back by Decode. Microsecond resolution.
  absl::Time issued = absl::UnixEpoch();
};

inline constexpr size_t kCursorFingerprintBytes = 16;

struct CursorCodecOptions {
  // Signs every new cursor; verifies cursors that name it. Required.
  CursorKey current_key{};
  // Verifies cursors signed before a rotation. Default: none.
  std::optional<CursorKey> previous_key{};
  // How long a cursor stays valid after it was issued; > 0.
  // absl::InfiniteDuration() never expires. Default: 24 hours.
  absl::Duration ttl = absl::Hours(24);
  // Time source for issuing and expiring. Not owned; must outlive the codec.
  // Default: Clock::Real().
  const Clock* clock = nullptr;
  // Longest cursor text accepted by Decode and produced by Encode; 256..65,536.
  // Default: 4 KiB.
  size_t max_cursor_bytes = 4096;
};

// Turns Cursors into signed, URL-safe text (base64url without padding) and
// back. Decode accepts arbitrary bytes: every length it reads is bounded by
// the input, which is itself bounded by max_cursor_bytes.
class MARQUEE_EXPORT CursorCodec {
 public:
  // Errors: InvalidArgument (a key id or secret that breaks the rules above,
  // previous_key with the same id as current_key, ttl <= 0, max_cursor_bytes
  // out of range).
  [[nodiscard]] static absl::StatusOr<CursorCodec> Create(CursorCodecOptions options);

  // Signs `cursor` with the current key, stamped with the clock's time.
  // Errors: InvalidArgument (bad collection or index name, more than 8
  // position values, empty or over-long id, fingerprints of the wrong
  // length), OutOfRange (the cursor would be longer than max_cursor_bytes,
  // which happens when the row's index values are very long strings),
  // Internal (the crypto library failed).
  [[nodiscard]] absl::StatusOr<std::string> Encode(const Cursor& cursor) const;

  // Checks and opens a cursor: its length, base64url, format version, key
  // id, signature (against the current and the previous key) and age.
  // Errors: InvalidArgument, whose message starts with "cursor" and names
  // the reason ("cursor is not valid base64url", "cursor is truncated",
  // "cursor signature does not verify", "cursor expired at ...", ...);
  // Internal (the crypto library failed).
  [[nodiscard]] absl::StatusOr<Cursor> Decode(std::string_view text) const;

 private:
  explicit CursorCodec(CursorCodecOptions options) : options_(std::move(options)) {}
  // The key that signed a cursor naming `key_id`, or null.
  const CursorKey* KeyFor(std::string_view key_id) const;
  CursorCodecOptions options_;
};

// ---- pages -----------------------------------------------------------------

struct PageRequest {
  std::string collection{};
  // A declared index of the collection; "" pages in id order. Default: "".
  std::string index{};
  // Rows must match every predicate (marquee/index.h semantics, exactly as
  // Matches() says). Default: everything.
  Filter filter{};
  // Most items on the page; 0 takes PaginatorOptions::default_limit, more
  // than max_limit is clamped to it (see Page::limit_clamped). Default: 0.
  size_t limit = 0;
  // Continue from a page's `next` (after) or `prev` (before) cursor; empty
  // starts at the beginning of the index. At most one of the two.
  std::string after{};
  std::string before{};
  // Sparse fieldset: JSON pointers of the body fields to return, e.g.
  // {"/name", "/schedule/start"}. Each item's body becomes an object with
  // just those fields, nested pointers building nested objects ("/a/b" gives
  // {"a":{"b":...}}, an array index is an object key: "/tags/0" gives
  // {"tags":{"0":...}}); absent fields are left out. Empty: whole bodies.
  // The fieldset is not part of the cursor: it may change between pages.
  std::vector<std::string> fields{};
};

struct Page {
  // Matching rows in index order, whichever direction was fetched; bodies
  // projected when the request named fields.
  std::vector<Record> items{};
  // Continues forward after this page; set when more rows may follow, and
  // always on a page fetched backward.
  std::optional<std::string> next{};
  // Continues backward before this page; set when rows may exist before it:
  // when the request came with a cursor, or, paging backward, when more rows
  // may precede.
  std::optional<std::string> prev{};
  // More rows may exist in the direction of this fetch.
  bool has_more = false;
  // The scan budget ran out before the page was full: the page is short
  // (possibly empty), and `has_more` is set with a cursor to continue.
  bool scan_budget_exhausted = false;
  // The limit applied, and whether the requested one was clamped to it.
  size_t limit = 0;
  bool limit_clamped = false;
  // Rows examined, matching or not.
  size_t scanned = 0;
};

struct PaginatorOptions {
  // Cursor signing keys (see CursorKey). current_key is required.
  CursorKey current_key{};
  // Default: none.
  std::optional<CursorKey> previous_key{};
  // Items on a page when the request names no limit; 1..max_limit.
  // Default: 50.
  size_t default_limit = 50;
  // Largest page; larger requests are clamped. Default: 500.
  size_t max_limit = 500;
  // Most rows examined per page, matching or not; > 0. Default: 10,000.
  size_t max_scanned = 10'000;
  // Most index ranges one filter may expand into (IN on leading index
  // fields: IN of 3 values on one field and 4 on the next is 12); > 0.
  // Default: 256.
  size_t max_index_ranges = 256;
  // Most fields in a sparse fieldset; > 0. Default: 64.
  size_t max_fields = 64;
  // How long a cursor stays valid; > 0. Default: 24 hours.
  absl::Duration cursor_ttl = absl::Hours(24);
  // Longest cursor accepted or issued; 256..65,536. Default: 4 KiB.
  size_t max_cursor_bytes = 4096;
  // Time source for cursor issue and expiry. Not owned; must outlive the
  // paginator. Default: Clock::Real().
  const Clock* clock = nullptr;
};

class MARQUEE_EXPORT Paginator {
 public:
  // `store` is not owned and must outlive the paginator.
  // Errors: InvalidArgument (null store, options that break the rules above).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Paginator>> Create(
      const Store* store, PaginatorOptions options);
  ~Paginator();
  Paginator(const Paginator&) = delete;
  Paginator& operator=(const Paginator&) = delete;

  // One page of `request`.
  // Errors: InvalidArgument (bad collection name, unknown index, invalid
  // filter or field pointers, too many fields, an IN expansion beyond
  // max_index_ranges, both after and before set, a cursor the codec refuses,
  // or one issued for another collection, index, sort, filter or direction;
  // the message names which), OutOfRange (a row's index values are too long
  // to fit in a cursor of max_cursor_bytes), the store's errors
  // (Unavailable, ...), Internal.
  [[nodiscard]] absl::StatusOr<Page> Fetch(const PageRequest& request) const;

 private:
  struct Impl;
  explicit Paginator(std::unique_ptr<const Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

}  // namespace marquee

#endif  // MARQUEE_PAGE_H_
