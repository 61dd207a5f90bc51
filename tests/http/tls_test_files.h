// Self-signed certificates for the TLS tests, made with OpenSSL at test
// time (P-256 key, CN and subjectAltName 127.0.0.1, valid for a day) and
// written as PEM files into a fresh temporary directory, removed after.
#ifndef MARQUEE_TESTS_HTTP_TLS_TEST_FILES_H_
#define MARQUEE_TESTS_HTTP_TLS_TEST_FILES_H_

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace marquee::http::test {

class TlsTestFiles {
 public:
  TlsTestFiles() {
    char pattern[] = "/tmp/marquee-tls-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    other_key_ = (dir_ / "other-key.pem").string();
    Key key = NewKey();
    WriteKey(key.get(), key_);
    Key other = NewKey();
    WriteKey(other.get(), other_key_);
    WriteSelfSigned(key.get(), cert_);
  }
  ~TlsTestFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TlsTestFiles(const TlsTestFiles&) = delete;
  TlsTestFiles& operator=(const TlsTestFiles&) = delete;

  // The certificate (also the client's trust anchor) and its key.
  const std::string& cert() const { return cert_; }
  const std::string& key() const { return key_; }
  // A key that does not belong to cert().
  const std::string& other_key() const { return other_key_; }
  // A path in the directory that exists as nothing.
  std::string missing() const { return (dir_ / "missing.pem").string(); }
  // Writes `text` into a new file of the directory; returns its path.
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = (dir_ / name).string();
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
    REQUIRE(f != nullptr);
    REQUIRE(std::fwrite(text.data(), 1, text.size(), f.get()) == text.size());
    return path;
  }

 private:
  using Key = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;

  static Key NewKey() {
    Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    REQUIRE(key != nullptr);
    return key;
  }

  static void WriteKey(EVP_PKEY* key, const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
    REQUIRE(f != nullptr);
    REQUIRE(PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  }

  static void WriteSelfSigned(EVP_PKEY* key, const std::string& path) {
    std::unique_ptr<X509, void (*)(X509*)> cert(X509_new(), &X509_free);
    REQUIRE(cert != nullptr);
    REQUIRE(X509_set_version(cert.get(), 2) == 1);
    REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1);
    REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr);
    REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr);
    REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
    X509_NAME* name = X509_get_subject_name(cert.get());
    REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("127.0.0.1"), -1,
                                       -1, 0) == 1);
    REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const char* ext : {"subjectAltName=IP:127.0.0.1", "basicConstraints=critical,CA:TRUE"}) {
      const std::string text(ext);
      const size_t eq = text.find('=');
      X509_EXTENSION* e = X509V3_EXT_nconf(nullptr, &ctx, text.substr(0, eq).c_str(),
                                           text.substr(eq + 1).c_str());
      REQUIRE(e != nullptr);
      REQUIRE(X509_add_ext(cert.get(), e, -1) == 1);
      X509_EXTENSION_free(e);
    }
    REQUIRE(X509_sign(cert.get(), key, EVP_sha256()) > 0);
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
    REQUIRE(f != nullptr);
    REQUIRE(PEM_write_X509(f.get(), cert.get()) == 1);
  }

  std::filesystem::path dir_;
  std::string cert_;
  std::string key_;
  std::string other_key_;
};

}  // namespace marquee::http::test

#endif  // MARQUEE_TESTS_HTTP_TLS_TEST_FILES_H_
