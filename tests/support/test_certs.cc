// Throwaway certificates for tests (see test_certs.h).
#include "tests/support/test_certs.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace meridian::test {

TestCa::TestCa(std::string dir, std::string name) : dir_(std::move(dir)), name_(std::move(name)) {
  ca_ = {dir_ + "/" + name_ + "-ca.pem", dir_ + "/" + name_ + "-ca.key"};
  auto made =
      Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
          " -subj '/CN=" +
          name_ + " test CA' -keyout '" + ca_.key + "' -out '" + ca_.cert + "'");
  if (!made) error_ = made.message();
}

testing::AssertionResult TestCa::ok() const {
  if (error_.empty()) return testing::AssertionSuccess();
  return testing::AssertionFailure() << error_;
}

testing::AssertionResult TestCa::Run(const std::string& command) {
  const std::string log = dir_ + "/openssl.log";
  const int rc = std::system((command + " >'" + log + "' 2>&1").c_str());
  if (rc == 0) return testing::AssertionSuccess();
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return testing::AssertionFailure() << "`" << command << "` failed (" << rc << "): " << text.str();
}

testing::AssertionResult TestCa::Issue(const std::string& stem, const std::string& common_name,
                                       const std::vector<std::string>& alt_names, CertFiles* out) {
  if (!error_.empty()) return ok();
  const std::string base = dir_ + "/" + stem;
  *out = {base + ".pem", base + ".key"};
  {
    std::ofstream ext(base + ".ext");
    ext << "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
           "extendedKeyUsage=serverAuth,clientAuth\n";
    if (!alt_names.empty()) {
      ext << "subjectAltName=";
      for (size_t i = 0; i < alt_names.size(); ++i) ext << (i ? "," : "") << alt_names[i];
      ext << "\n";
    }
  }
  auto csr = Run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=" +
                 common_name + "' -keyout '" + out->key + "' -out '" + base + ".csr'");
  if (!csr) return csr;
  return Run("openssl x509 -req -days 2 -in '" + base + ".csr' -CA '" + ca_.cert + "' -CAkey '" +
             ca_.key + "' -set_serial " + std::to_string(std::rand() % 1000000 + 1) +
             " -extfile '" + base + ".ext' -out '" + out->cert + "'");
}

}  // namespace meridian::test
