// SHA-256 and HMAC-SHA256 (src/internal/hmac_sha256.h) against the
// published test vectors, and the per-thread keyed contexts: switching
// among more keys than a thread keeps, and signing from several threads.
#include "internal/hmac_sha256.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"

namespace marquee::internal {
namespace {

std::string HexOf(const Sha256Digest& digest) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string Hex(const absl::StatusOr<Sha256Digest>& digest) {
  REQUIRE(digest.ok());
  return HexOf(*digest);
}

TEST_CASE("SHA-256 of the FIPS 180-2 examples") {
  CHECK(Hex(Sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Hex(Sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("HMAC-SHA256 of the RFC 4231 test cases 1 2 and 6") {
  CHECK(Hex(HmacSha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(Hex(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block size is hashed first.
  CHECK(Hex(HmacSha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("HMAC-SHA256 stays right while a thread switches among more keys than it keeps") {
  std::vector<std::string> keys;
  std::vector<std::string> expected;
  for (int i = 0; i < 9; ++i) {
    keys.push_back(std::string(32, static_cast<char>('a' + i)));
    expected.push_back(Hex(HmacSha256(keys.back(), "message")));
  }
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < keys.size(); ++i) {
      CHECK(Hex(HmacSha256(keys[i], "message")) == expected[i]);
      CHECK(Hex(HmacSha256(keys[i], "other")) != expected[i]);
    }
  }
  // Two keys alternating, as a verifier with a current and a previous key.
  for (int i = 0; i < 20; ++i) CHECK(Hex(HmacSha256(keys[i % 2], "message")) == expected[i % 2]);
}

TEST_CASE("HMAC-SHA256 from several threads at once" * doctest::test_suite("concurrent")) {
  const std::string want = Hex(HmacSha256("Jefe", "what do ya want for nothing?"));
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        absl::StatusOr<Sha256Digest> tag = HmacSha256("Jefe", "what do ya want for nothing?");
        if (!tag.ok() || HexOf(*tag) != want) {
          ++wrong[t];
        }
        (void)HmacSha256(std::string(32, static_cast<char>('k' + t)), "x");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) CHECK(wrong[t] == 0);
}

}  // namespace
}  // namespace marquee::internal
