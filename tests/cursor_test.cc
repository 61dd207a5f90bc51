// Tests for the cursor half of marquee/page.h: CursorCodec round trips,
// every way of tampering with a cursor, key rotation and expiry; and the
// private pieces under it (base64url, the binary layout).
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/base64url.h"
#include "internal/cursor_format.h"
#include "internal/hmac_sha256.h"
#include "marquee/clock.h"
#include "marquee/page.h"

namespace marquee {
namespace {

const CursorKey kKeyA{.id = "key-a", .secret = std::string(32, 'a')};
const CursorKey kKeyB{.id = "key-b", .secret = std::string(40, 'b')};
const CursorKey kKeyC{.id = "key-c", .secret = std::string(32, 'c')};
const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

std::string Message(const absl::Status& status) { return std::string(status.message()); }

CursorCodec Codec(const Clock* clock, CursorKey current = kKeyA,
                  std::optional<CursorKey> previous = std::nullopt) {
  absl::StatusOr<CursorCodec> codec = CursorCodec::Create(
      {.current_key = current, .previous_key = previous, .ttl = absl::Hours(1), .clock = clock});
  REQUIRE_MESSAGE(codec.ok(), Message(codec.status()));
  return *codec;
}

Cursor SampleCursor() {
  return Cursor{.collection = "campaigns",
                .index = "by_priority",
                .direction = CursorDirection::kAfter,
                .inclusive = false,
                .position = {.values = {IndexValue::Number(7.5), IndexValue::String("spring")},
                             .id = "camp-42"},
                .sort_fingerprint = std::string(kCursorFingerprintBytes, '\x11'),
                .filter_fingerprint = std::string(kCursorFingerprintBytes, '\x22'),
                .issued = absl::UnixEpoch()};
}

std::string Encode(const CursorCodec& codec, const Cursor& cursor) {
  absl::StatusOr<std::string> text = codec.Encode(cursor);
  REQUIRE_MESSAGE(text.ok(), Message(text.status()));
  return *text;
}

std::string Decoded(std::string_view text) {
  absl::StatusOr<std::string> bytes = internal::Base64UrlDecode(text);
  REQUIRE(bytes.ok());
  return *bytes;
}

// Decode must refuse `text` with InvalidArgument whose message contains `reason`.
void ExpectRefused(const CursorCodec& codec, std::string_view text, std::string_view reason) {
  absl::StatusOr<Cursor> cursor = codec.Decode(text);
  REQUIRE_FALSE(cursor.ok());
  CHECK(absl::IsInvalidArgument(cursor.status()));
  CHECK_MESSAGE(Message(cursor.status()).find(reason) != std::string::npos,
                Message(cursor.status()), " lacks ", reason);
}

TEST_SUITE("base64url") {
  TEST_CASE("round trips every length and byte") {
    std::mt19937 rng(7);
    for (size_t size = 0; size < 40; ++size) {
      std::string bytes(size, '\0');
      for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
      const std::string text = internal::Base64UrlEncode(bytes);
      CAPTURE(size);
      CHECK(text.size() == (size * 4 + 2) / 3);
      CHECK(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
            std::string::npos);
      absl::StatusOr<std::string> back = internal::Base64UrlDecode(text);
      REQUIRE(back.ok());
      CHECK(*back == bytes);
    }
  }

  TEST_CASE("matches RFC 4648 test vectors without padding") {
    CHECK(internal::Base64UrlEncode("") == "");
    CHECK(internal::Base64UrlEncode("f") == "Zg");
    CHECK(internal::Base64UrlEncode("fo") == "Zm8");
    CHECK(internal::Base64UrlEncode("foo") == "Zm9v");
    CHECK(internal::Base64UrlEncode("foobar") == "Zm9vYmFy");
    CHECK(internal::Base64UrlEncode("\xfb\xff") == "-_8");
  }

  TEST_CASE("refuses padding, foreign characters, impossible lengths and stray bits") {
    // "Zh" and "Zm9" differ from "Zg" and "Zm8" (f, fo) only in unused bits.
    for (const char* bad : {"Zg==", "Zm9v+A", "Zm9v/A", "Zm 9", "Zm9vY", "Zh", "Zm9", "Zm-"}) {
      CAPTURE(bad);
      CHECK(absl::IsInvalidArgument(internal::Base64UrlDecode(bad).status()));
    }
    CHECK(internal::Base64UrlDecode("Zg").value() == "f");
    CHECK(internal::Base64UrlDecode("Zm8").value() == "fo");
  }
}

TEST_SUITE("CursorCodec") {
  TEST_CASE("round trips every field and value type") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    Cursor cursor = SampleCursor();
    cursor.direction = CursorDirection::kBefore;
    cursor.inclusive = true;
    cursor.position.values = {IndexValue::Missing(),      IndexValue::Null(),
                              IndexValue::Bool(false),    IndexValue::Bool(true),
                              IndexValue::Number(-HUGE_VAL), IndexValue::String(std::string("a\0b", 3)),
                              IndexValue::Array("[1,\"x\"]"), IndexValue::Object("{\"k\":{}}")};
    cursor.position.id = "caf\xc3\xa9/1";
    clock.Advance(absl::Microseconds(123));
    const std::string text = Encode(codec, cursor);
    clock.Advance(absl::Minutes(5));
    absl::StatusOr<Cursor> back = codec.Decode(text);
    REQUIRE_MESSAGE(back.ok(), Message(back.status()));
    CHECK(back->collection == cursor.collection);
    CHECK(back->index == cursor.index);
    CHECK(back->direction == CursorDirection::kBefore);
    CHECK(back->inclusive);
    CHECK(back->position == cursor.position);
    CHECK(back->sort_fingerprint == cursor.sort_fingerprint);
    CHECK(back->filter_fingerprint == cursor.filter_fingerprint);
    CHECK(back->issued == kStart + absl::Microseconds(123));
  }

  TEST_CASE("round trips the id order, which has no position values") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    Cursor cursor = SampleCursor();
    cursor.index = "";
    cursor.position.values.clear();
    absl::StatusOr<Cursor> back = codec.Decode(Encode(codec, cursor));
    REQUIRE(back.ok());
    CHECK(back->index.empty());
    CHECK(back->position == cursor.position);
    CHECK(back->direction == CursorDirection::kAfter);
    CHECK_FALSE(back->inclusive);
  }

  TEST_CASE("is URL-safe text") {
    ManualClock clock(kStart);
    const std::string text = Encode(Codec(&clock), SampleCursor());
    CHECK(text.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
  }

  TEST_CASE("refuses a flipped bit anywhere in the decoded bytes") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    const std::string bytes = Decoded(Encode(codec, SampleCursor()));
    // Past the version, the length and the key id, every flip is caught by
    // the signature; before them by the header checks.
    const size_t signed_from = 3 + kKeyA.id.size();
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string tampered = bytes;
        tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
        CAPTURE(i);
        CAPTURE(bit);
        const std::string text = internal::Base64UrlEncode(tampered);
        if (i >= signed_from) {
          ExpectRefused(codec, text, "cursor signature does not verify");
        } else {
          ExpectRefused(codec, text, "cursor ");
        }
      }
    }
  }

  TEST_CASE("refuses a flipped bit anywhere in the text") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    const std::string text = Encode(codec, SampleCursor());
    for (size_t i = 0; i < text.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string tampered = text;
        tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
        CAPTURE(i);
        CAPTURE(bit);
        ExpectRefused(codec, tampered, "cursor ");
      }
    }
  }

  TEST_CASE("names each header defect") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    const std::string bytes = Decoded(Encode(codec, SampleCursor()));
    SUBCASE("unknown format version") {
      std::string tampered = bytes;
      tampered[0] = 2;
      ExpectRefused(codec, internal::Base64UrlEncode(tampered), "cursor has unknown format version 2");
    }
    SUBCASE("bytes after the signature") {
      ExpectRefused(codec, internal::Base64UrlEncode(bytes + "x"), "unexpected bytes after the signature");
    }
    SUBCASE("a key id outside the allowed characters") {
      std::string tampered = bytes;
      tampered[3] = '/';  // inside "key-a"
      ExpectRefused(codec, internal::Base64UrlEncode(tampered), "cursor is malformed: ");
    }
  }

  TEST_CASE("refuses every truncation") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    const std::string text = Encode(codec, SampleCursor());
    for (size_t size = 0; size < text.size(); ++size) {
      CAPTURE(size);
      const std::string cut = text.substr(0, size);
      if (size == 0) {
        ExpectRefused(codec, cut, "cursor is empty");
      } else if (size % 4 == 1) {
        ExpectRefused(codec, cut, "cursor is not valid base64url");
      } else if (internal::Base64UrlDecode(cut).ok()) {
        ExpectRefused(codec, cut, "cursor is truncated");
      } else {
        ExpectRefused(codec, cut, "cursor is not valid base64url");  // stray bits in the last char
      }
    }
  }

  TEST_CASE("refuses text that is not base64url") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    const std::string text = Encode(codec, SampleCursor());
    ExpectRefused(codec, text + "==", "cursor is not valid base64url");
    ExpectRefused(codec, "+" + text.substr(1), "cursor is not valid base64url");
    ExpectRefused(codec, "/" + text.substr(1), "cursor is not valid base64url");
    ExpectRefused(codec, text.substr(0, 8) + " " + text.substr(9), "cursor is not valid base64url");
    ExpectRefused(codec, text.substr(0, 8) + "\xc3\xa9" + text.substr(10), "cursor is not valid base64url");
  }

  TEST_CASE("refuses oversized text before decoding it") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    ExpectRefused(codec, std::string(4097, 'A'), "cursor is 4097 bytes; the limit is 4096");
    ExpectRefused(codec, std::string(1 << 20, '!'), "cursor is 1048576 bytes");
  }

  TEST_CASE("will not issue a cursor longer than the limit") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    Cursor cursor = SampleCursor();
    cursor.position.values[1] = IndexValue::String(std::string(3500, 'x'));
    absl::StatusOr<std::string> text = codec.Encode(cursor);
    CHECK(absl::IsOutOfRange(text.status()));
    CHECK(Message(text.status()).find("the limit is 4096") != std::string::npos);
    cursor.position.values[1] = IndexValue::String(std::string(2000, 'x'));
    CHECK(codec.Encode(cursor).ok());
  }

  TEST_CASE("refuses to encode fields the layout cannot carry") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    Cursor cursor = SampleCursor();
    SUBCASE("short fingerprint") { cursor.sort_fingerprint = "abc"; }
    SUBCASE("bad collection") { cursor.collection = "no spaces"; }
    SUBCASE("long index name") { cursor.index = std::string(65, 'i'); }
    SUBCASE("empty id") { cursor.position.id.clear(); }
    SUBCASE("nine values") { cursor.position.values.assign(9, IndexValue::Null()); }
    CHECK(absl::IsInvalidArgument(codec.Encode(cursor).status()));
  }

  TEST_CASE("refuses a cursor signed with another secret under the same key id") {
    ManualClock clock(kStart);
    const CursorKey forger{.id = kKeyA.id, .secret = std::string(32, 'z')};
    const std::string forged = Encode(Codec(&clock, forger), SampleCursor());
    ExpectRefused(Codec(&clock), forged, "cursor signature does not verify");
  }

  TEST_CASE("rotation: the previous key verifies, a key that is neither does not") {
    ManualClock clock(kStart);
    const CursorCodec before_rotation = Codec(&clock, kKeyA);
    const CursorCodec after_rotation = Codec(&clock, kKeyB, kKeyA);
    const CursorCodec next_rotation = Codec(&clock, kKeyC, kKeyB);
    const std::string old_cursor = Encode(before_rotation, SampleCursor());
    const std::string new_cursor = Encode(after_rotation, SampleCursor());

    CHECK(after_rotation.Decode(old_cursor).ok());  // signed with the previous key
    CHECK(after_rotation.Decode(new_cursor).ok());  // signed with the current key
    ExpectRefused(next_rotation, old_cursor,
                  "cursor was signed with key 'key-a', which is neither the current nor the previous");
    CHECK(next_rotation.Decode(new_cursor).ok());
    ExpectRefused(before_rotation, new_cursor, "signed with key 'key-b'");
  }

  TEST_CASE("expires ttl after issue, on the injected clock") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);  // ttl 1 hour
    const std::string text = Encode(codec, SampleCursor());
    clock.Advance(absl::Hours(1));
    CHECK(codec.Decode(text).ok());  // exactly at the end of its life
    clock.Advance(absl::Microseconds(1));
    ExpectRefused(codec, text, "cursor expired at 2023-11-14T23:13:20.000000Z");
  }

  TEST_CASE("an infinite ttl never expires") {
    ManualClock clock(kStart);
    absl::StatusOr<CursorCodec> codec = CursorCodec::Create(
        {.current_key = kKeyA, .ttl = absl::InfiniteDuration(), .clock = &clock});
    REQUIRE(codec.ok());
    const std::string text = Encode(*codec, SampleCursor());
    clock.Advance(absl::Hours(24 * 365 * 100));
    CHECK(codec->Decode(text).ok());
  }

  TEST_CASE("Create checks keys, ttl and the length limit") {
    auto create = [](CursorCodecOptions options) { return CursorCodec::Create(options).status(); };
    CHECK(create({.current_key = kKeyA}).ok());
    CHECK(Message(create({.current_key = {.id = "k", .secret = std::string(31, 's')}}))
              .find("at least 32") != std::string::npos);
    CHECK(absl::IsInvalidArgument(create({.current_key = {.id = "", .secret = kKeyA.secret}})));
    CHECK(absl::IsInvalidArgument(create({.current_key = {.id = "a b", .secret = kKeyA.secret}})));
    CHECK(absl::IsInvalidArgument(
        create({.current_key = {.id = std::string(65, 'k'), .secret = kKeyA.secret}})));
    CHECK(absl::IsInvalidArgument(
        create({.current_key = kKeyA, .previous_key = CursorKey{.id = "p", .secret = "short"}})));
    CHECK(Message(create({.current_key = kKeyA,
                          .previous_key = CursorKey{.id = kKeyA.id, .secret = kKeyB.secret}}))
              .find("share the id") != std::string::npos);
    CHECK(absl::IsInvalidArgument(create({.current_key = kKeyA, .ttl = absl::ZeroDuration()})));
    CHECK(absl::IsInvalidArgument(create({.current_key = kKeyA, .max_cursor_bytes = 100})));
    CHECK(absl::IsInvalidArgument(create({.current_key = kKeyA, .max_cursor_bytes = 1 << 20})));
  }

  TEST_CASE("arbitrary bytes never crash the decoder") {
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    std::mt19937 rng(11);
    for (int round = 0; round < 3000; ++round) {
      std::string bytes(rng() % 200, '\0');
      for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
      // Raw bytes, and the same bytes as well-formed base64url.
      CHECK_FALSE(codec.Decode(bytes).ok());
      CHECK_FALSE(codec.Decode(internal::Base64UrlEncode(bytes)).ok());
    }
  }

  TEST_CASE("arbitrary but correctly signed payloads never crash the parser") {
    // What a fuzzer holding the key would reach: frames whose signature
    // verifies, around random payloads and random mutations of a real one.
    ManualClock clock(kStart);
    const CursorCodec codec = Codec(&clock);
    const std::string real = Decoded(Encode(codec, SampleCursor()));
    const std::string real_fields = real.substr(3 + kKeyA.id.size(), real.size() - 3 -
                                                kKeyA.id.size() - internal::kCursorTagBytes);
    std::mt19937 rng(13);
    int accepted = 0;
    for (int round = 0; round < 3000; ++round) {
      std::string fields = real_fields;
      if (round % 2 == 0) {
        fields.assign(rng() % 120, '\0');
        for (char& c : fields) c = static_cast<char>(rng() & 0xFF);
      } else {
        for (int m = 0; m < 3; ++m) fields[rng() % fields.size()] = static_cast<char>(rng() & 0xFF);
        fields.resize(rng() % (fields.size() + 1));
      }
      std::string payload = absl::StrCat(std::string(1, static_cast<char>(kKeyA.id.size())),
                                         kKeyA.id, fields);
      std::string frame(1, static_cast<char>(internal::kCursorFormatVersion));
      internal::AppendVarint(payload.size(), &frame);
      frame += payload;
      absl::StatusOr<internal::Sha256Digest> tag = internal::HmacSha256(kKeyA.secret, frame);
      REQUIRE(tag.ok());
      frame.append(reinterpret_cast<const char*>(tag->data()), tag->size());
      absl::StatusOr<Cursor> cursor = codec.Decode(internal::Base64UrlEncode(frame));
      if (cursor.ok()) {
        ++accepted;
      } else {
        CHECK(absl::IsInvalidArgument(cursor.status()));
        const std::string message = Message(cursor.status());
        CHECK((message.starts_with("cursor is malformed: ") ||
               message.starts_with("cursor expired")));
      }
      // The parser alone, as a fuzz target would call it.
      (void)internal::ParseCursorFields(fields);
    }
    CHECK(accepted < 3000);
  }
}

}  // namespace
}  // namespace marquee
