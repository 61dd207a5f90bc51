// Paginator: pages of one index, continued from signed cursors.
//
// A page walks the plan's index ranges (internal/page_plan.h) in the
// direction of the fetch, handing each Store::Scan the cursor's position,
// what is left of the limit and what is left of the scan budget. The
// position a page continues from is always a row that was examined (the
// last one in the direction of the walk), never a guess, so consecutive
// pages cover the index without gaps and without overlap whatever is
// inserted or deleted between them.
//
// The opposite cursor of a page (prev of a forward page, next of a backward
// one) starts from the page's first (last) item. A page with no items has
// none, so it turns the incoming cursor around instead, flipping whether the
// cursor's own row is included: the rows before "after P" are "at or
// before P". Store::Scan takes strict positions only, so an inclusive
// cursor looks its own row up with Get first.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "internal/field_projection.h"
#include "internal/json_values.h"
#include "internal/page_fingerprint.h"
#include "internal/page_plan.h"
#include "marquee/page.h"
#include "marquee/status.h"

namespace marquee {

struct Paginator::Impl {
  const Store* store = nullptr;
  PaginatorOptions options{};
  CursorCodec codec;
};

namespace {

// What one request resolved to.
struct Target {
  const PageRequest* request = nullptr;
  std::vector<IndexField> fields;
  std::vector<std::string> pointers;  // fields' pointers, for ValuesAt
  std::string sort_fingerprint;
  std::string filter_fingerprint;
  internal::PagePlan plan;
  size_t limit = 0;
};

// The rows a walk took and how far it got.
struct Walk {
  std::vector<Record> items;  // in index order
  size_t taken = 0;           // items taken so far (a backward walk fills items last)
  // The last row examined in the direction of the walk.
  std::optional<ScanPosition> frontier;
  size_t scanned = 0;
  bool more = false;
};

std::string IndexLabel(std::string_view index) {
  return index.empty() ? std::string("the id order") : absl::StrCat("index '", internal::Sv(index), "'");
}

absl::StatusOr<ScanPosition> PositionOf(const Record& record, const Target& target) {
  ScanPosition position{.values = {}, .id = record.id};
  if (!target.pointers.empty()) {
    MARQUEE_RETURN_IF_ERROR(internal::ValuesAt(record.body, target.pointers, &position.values));
  }
  return position;
}

absl::Status CheckCursorFits(const Cursor& cursor, const Target& target,
                             CursorDirection expected) {
  const PageRequest& request = *target.request;
  if (cursor.collection != request.collection) {
    return absl::InvalidArgumentError(absl::StrCat("cursor was issued for collection '",
                                                   cursor.collection, "', not '",
                                                   request.collection, "'"));
  }
  if (cursor.index != request.index) {
    const bool both_named = !cursor.index.empty() && !request.index.empty();
    return absl::InvalidArgumentError(absl::StrCat(
        "cursor was issued for ", IndexLabel(cursor.index), ", not ",
        both_named ? absl::StrCat("'", request.index, "'") : IndexLabel(request.index)));
  }
  if (cursor.sort_fingerprint != target.sort_fingerprint ||
      cursor.position.values.size() != target.fields.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cursor was issued for another definition of ", IndexLabel(request.index),
        " (its fields or sort orders changed since); start from the first page"));
  }
  if (cursor.filter_fingerprint != target.filter_fingerprint) {
    return absl::InvalidArgumentError(
        "cursor was issued for another filter; keep the filter unchanged between pages");
  }
  if (cursor.direction != expected) {
    return absl::InvalidArgumentError(
        expected == CursorDirection::kAfter
            ? "'after' was given a 'before' cursor (a page's prev); pass it as 'before'"
            : "'before' was given an 'after' cursor (a page's next); pass it as 'after'");
  }
  return absl::OkStatus();
}

// For an inclusive cursor: the cursor's own row, when it still exists at the
// same position and matches the filter.
absl::StatusOr<std::optional<Record>> CursorRow(const Store& store, const Target& target,
                                                const ScanPosition& position) {
  absl::StatusOr<Record> record = store.Get(target.request->collection, position.id);
  if (absl::IsNotFound(record.status())) return std::optional<Record>();
  if (!record.ok()) return record.status();
  MARQUEE_ASSIGN_OR_RETURN(ScanPosition now, PositionOf(*record, target));
  if (now.values != position.values || !Matches(target.request->filter, record->body)) {
    return std::optional<Record>();
  }
  return std::optional<Record>(*std::move(record));
}

ScanRequest RangeScan(const Target& target, const internal::IndexRange& range,
                      const Walk& walk, size_t max_scanned) {
  return ScanRequest{.collection = target.request->collection,
                     .index = target.request->index,
                     .prefix = range.prefix,
                     .lower = range.lower,
                     .upper = range.upper,
                     .filter = target.plan.residual,
                     .limit = target.limit - walk.taken,
                     .max_scanned = max_scanned - walk.scanned,
                     .after = std::nullopt,
                     .before = std::nullopt};
}

bool Full(const Target& target, const Walk& walk, size_t max_scanned) {
  return walk.taken >= target.limit || walk.scanned >= max_scanned;
}

// Rows after `from` (all rows when null), in index order.
absl::StatusOr<Walk> WalkForward(const Store& store, const Target& target,
                                 const Cursor* from, size_t max_scanned) {
  Walk walk;
  if (from != nullptr && from->inclusive) {
    MARQUEE_ASSIGN_OR_RETURN(std::optional<Record> row, CursorRow(store, target, from->position));
    ++walk.scanned;
    walk.frontier = from->position;
    if (row) walk.items.push_back(*std::move(row));
    walk.taken = walk.items.size();
  }
  const std::vector<internal::IndexRange>& ranges = target.plan.ranges;
  for (const internal::IndexRange& range : ranges) {
    if (from != nullptr &&
        internal::ComparePositionToRange(from->position, range, target.fields) > 0) {
      continue;  // the whole range lies before the cursor
    }
    if (Full(target, walk, max_scanned)) {
      walk.more = true;
      break;
    }
    ScanRequest scan = RangeScan(target, range, walk, max_scanned);
    if (from != nullptr) scan.after = from->position;
    MARQUEE_ASSIGN_OR_RETURN(ScanResult result, store.Scan(scan));
    walk.scanned += result.scanned;
    if (result.end) walk.frontier = std::move(result.end);
    for (Record& record : result.records) walk.items.push_back(std::move(record));
    walk.taken = walk.items.size();
    if (result.more) {
      walk.more = true;
      break;
    }
  }
  return walk;
}

// Rows before `from`, in index order.
absl::StatusOr<Walk> WalkBackward(const Store& store, const Target& target, const Cursor& from,
                                  size_t max_scanned) {
  Walk walk;
  std::vector<std::vector<Record>> chunks;  // highest first
  if (from.inclusive) {
    MARQUEE_ASSIGN_OR_RETURN(std::optional<Record> row, CursorRow(store, target, from.position));
    ++walk.scanned;
    walk.frontier = from.position;
    if (row) {
      chunks.push_back({*std::move(row)});
      walk.taken = 1;
    }
  }
  const std::vector<internal::IndexRange>& ranges = target.plan.ranges;
  for (auto range = ranges.rbegin(); range != ranges.rend(); ++range) {
    if (internal::ComparePositionToRange(from.position, *range, target.fields) < 0) {
      continue;  // the whole range lies after the cursor
    }
    if (Full(target, walk, max_scanned)) {
      walk.more = true;
      break;
    }
    // A backward scan needs a 'before'; on a range wholly before the
    // cursor the range's own upper end is the tighter bound anyway.
    ScanRequest scan = RangeScan(target, *range, walk, max_scanned);
    scan.before = from.position;
    MARQUEE_ASSIGN_OR_RETURN(ScanResult result, store.Scan(scan));
    walk.scanned += result.scanned;
    if (result.end) walk.frontier = std::move(result.end);
    walk.taken += result.records.size();
    chunks.push_back(std::move(result.records));
    if (result.more) {
      walk.more = true;
      break;
    }
  }
  walk.items.reserve(walk.taken);
  for (auto chunk = chunks.rbegin(); chunk != chunks.rend(); ++chunk) {
    for (Record& record : *chunk) walk.items.push_back(std::move(record));
  }
  return walk;
}

}  // namespace

Paginator::Paginator(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Paginator::~Paginator() = default;

absl::StatusOr<std::unique_ptr<Paginator>> Paginator::Create(const Store* store,
                                                             PaginatorOptions options) {
  if (store == nullptr) return absl::InvalidArgumentError("paginator needs a store, got null");
  if (options.max_limit == 0 || options.default_limit == 0 ||
      options.default_limit > options.max_limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page limits must satisfy 1 <= default_limit <= max_limit, got default_limit ",
        options.default_limit, " and max_limit ", options.max_limit));
  }
  if (options.max_scanned == 0) return absl::InvalidArgumentError("max_scanned must be at least 1");
  if (options.max_index_ranges == 0) {
    return absl::InvalidArgumentError("max_index_ranges must be at least 1");
  }
  if (options.max_fields == 0) return absl::InvalidArgumentError("max_fields must be at least 1");
  if (options.clock == nullptr) options.clock = Clock::Real();
  MARQUEE_ASSIGN_OR_RETURN(CursorCodec codec,
                           CursorCodec::Create({.current_key = options.current_key,
                                                .previous_key = options.previous_key,
                                                .ttl = options.cursor_ttl,
                                                .clock = options.clock,
                                                .max_cursor_bytes = options.max_cursor_bytes}));
  auto impl = std::make_unique<Impl>(
      Impl{.store = store, .options = std::move(options), .codec = std::move(codec)});
  return std::unique_ptr<Paginator>(new Paginator(std::move(impl)));
}

absl::StatusOr<Page> Paginator::Fetch(const PageRequest& request) const {
  const PaginatorOptions& options = impl_->options;
  MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(request.collection));
  if (!request.after.empty() && !request.before.empty()) {
    return absl::InvalidArgumentError("a page request takes 'after' or 'before', not both");
  }
  MARQUEE_RETURN_IF_ERROR(ValidateFilter(request.filter));
  MARQUEE_ASSIGN_OR_RETURN(internal::FieldProjection projection,
                           internal::FieldProjection::Create(request.fields, options.max_fields));

  Page page;
  const size_t wanted = request.limit == 0 ? options.default_limit : request.limit;
  page.limit = std::min(wanted, options.max_limit);
  page.limit_clamped = wanted > options.max_limit;

  Target target{.request = &request, .fields = {}, .pointers = {}, .sort_fingerprint = {},
                .filter_fingerprint = {}, .plan = {}, .limit = page.limit};
  if (!request.index.empty()) {
    const std::vector<IndexSpec> specs = impl_->store->Indexes(request.collection);
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const IndexSpec& s) { return s.name == request.index; });
    if (spec == specs.end()) {
      return absl::InvalidArgumentError(absl::StrCat("collection '", request.collection,
                                                     "' has no index '", request.index, "'"));
    }
    target.fields = spec->fields;
    for (const IndexField& field : target.fields) target.pointers.push_back(field.pointer);
  }
  MARQUEE_ASSIGN_OR_RETURN(target.sort_fingerprint,
                           internal::SortFingerprint(request.index, target.fields));
  MARQUEE_ASSIGN_OR_RETURN(target.filter_fingerprint, internal::FilterFingerprint(request.filter));
  MARQUEE_ASSIGN_OR_RETURN(
      target.plan, internal::PlanPage(target.fields, request.filter, options.max_index_ranges));

  const bool backward = !request.before.empty();
  std::optional<Cursor> from;
  if (!request.after.empty() || backward) {
    MARQUEE_ASSIGN_OR_RETURN(from, impl_->codec.Decode(backward ? request.before : request.after));
    MARQUEE_RETURN_IF_ERROR(CheckCursorFits(
        *from, target, backward ? CursorDirection::kBefore : CursorDirection::kAfter));
  }

  Walk walk;
  if (backward) {
    MARQUEE_ASSIGN_OR_RETURN(walk, WalkBackward(*impl_->store, target, *from, options.max_scanned));
  } else {
    MARQUEE_ASSIGN_OR_RETURN(walk, WalkForward(*impl_->store, target,
                                               from ? &*from : nullptr, options.max_scanned));
  }

  const Cursor base{.collection = request.collection, .index = request.index,
                    .direction = CursorDirection::kAfter, .inclusive = false,
                    .position = {}, .sort_fingerprint = target.sort_fingerprint,
                    .filter_fingerprint = target.filter_fingerprint,
                    .issued = absl::UnixEpoch()};
  auto encode = [&](CursorDirection direction, ScanPosition position,
                    bool inclusive) -> absl::StatusOr<std::string> {
    Cursor cursor = base;
    cursor.direction = direction;
    cursor.position = std::move(position);
    cursor.inclusive = inclusive;
    return impl_->codec.Encode(cursor);
  };
  // The way on in the direction of the fetch: from the frontier. `more`
  // implies rows were examined, so the frontier is set.
  const CursorDirection onward = backward ? CursorDirection::kBefore : CursorDirection::kAfter;
  const CursorDirection back = backward ? CursorDirection::kAfter : CursorDirection::kBefore;
  std::optional<std::string> onward_cursor;
  std::optional<std::string> back_cursor;
  if (walk.more && walk.frontier) {
    MARQUEE_ASSIGN_OR_RETURN(onward_cursor, encode(onward, *walk.frontier, false));
  }
  if (from) {
    if (walk.items.empty()) {
      MARQUEE_ASSIGN_OR_RETURN(back_cursor, encode(back, from->position, !from->inclusive));
    } else {
      const Record& edge = backward ? walk.items.back() : walk.items.front();
      MARQUEE_ASSIGN_OR_RETURN(ScanPosition position, PositionOf(edge, target));
      MARQUEE_ASSIGN_OR_RETURN(back_cursor, encode(back, std::move(position), false));
    }
  }
  page.next = backward ? std::move(back_cursor) : std::move(onward_cursor);
  page.prev = backward ? std::move(onward_cursor) : std::move(back_cursor);
  page.has_more = walk.more;
  page.scan_budget_exhausted = walk.more && walk.items.size() < page.limit;
  page.scanned = walk.scanned;
  page.items = std::move(walk.items);
  if (!projection.empty()) {
    for (Record& item : page.items) {
      MARQUEE_ASSIGN_OR_RETURN(item.body, projection.Apply(item.body));
    }
  }
  return page;
}

}  // namespace marquee
