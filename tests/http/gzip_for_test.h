// gzip bytes of a string, for the tests that send compressed bodies
// (maximum compression, so a bomb of zeros stays a few kilobytes).
#ifndef MARQUEE_TESTS_HTTP_GZIP_FOR_TEST_H_
#define MARQUEE_TESTS_HTTP_GZIP_FOR_TEST_H_

#include <doctest/doctest.h>
#include <zlib.h>

#include <string>

namespace marquee::http::test {

inline std::string Gzip(const std::string& raw) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, raw.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace marquee::http::test

#endif  // MARQUEE_TESTS_HTTP_GZIP_FOR_TEST_H_
