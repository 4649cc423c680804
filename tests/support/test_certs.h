// Test harness: TestCa makes a throwaway certificate authority and the certificates it signs
// with the `openssl` command, into a directory the caller owns (a TempDir). P-256 keys, valid
// for two days. Not thread-safe; one test thread.
#ifndef MERIDIAN_TESTS_SUPPORT_TEST_CERTS_H_
#define MERIDIAN_TESTS_SUPPORT_TEST_CERTS_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace meridian::test {

struct CertFiles {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key
};

class TestCa {
 public:
  // Writes <dir>/<name>-ca.pem and its key.
  TestCa(std::string dir, std::string name);

  // Success once the CA exists; the failure carries openssl's output.
  testing::AssertionResult ok() const;
  const std::string& ca_file() const { return ca_.cert; }

  // Issues <dir>/<stem>.pem and .key with subject CN=`common_name` and `alt_names` as subject
  // alternative names ("DNS:n1", "IP:127.0.0.1"); none: no SAN extension.
  testing::AssertionResult Issue(const std::string& stem, const std::string& common_name,
                                 const std::vector<std::string>& alt_names, CertFiles* out);
  // A server certificate for a node on this machine: CN=localhost, SANs localhost and
  // 127.0.0.1 (what HTTPS clients of a test node check).
  testing::AssertionResult IssueForLoopback(const std::string& stem, CertFiles* out) {
    return Issue(stem, "localhost", {"DNS:localhost", "IP:127.0.0.1"}, out);
  }

 private:
  testing::AssertionResult Run(const std::string& command);

  std::string dir_;
  std::string name_;
  CertFiles ca_;
  std::string error_;
};

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_TEST_CERTS_H_
