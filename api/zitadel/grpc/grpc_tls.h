// TLS on the gRPC port, with the API's certificate and key (api_tls). libgrpc++ 1.51 cannot take
// new material from memory, only from files it polls (FileWatcherCertificateProvider), and it
// drops its identity when a polled file does not load. So the material is checked here first and
// only then staged, key and chain in one PEM file written beside and renamed over the last: libgrpc
// never sees a half-written or broken identity, and a SIGHUP with broken files keeps the old one.
// libgrpc polls every second, so a reload reaches new connections within about a second;
// existing connections keep their session. TLS 1.2+ (libgrpc's floor). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "storage/base/status.h"

namespace grpc {
class ServerCredentials;
namespace experimental {
class CertificateProviderInterface;
}
}  // namespace grpc

namespace meridian::api::zitadel {

class GrpcTlsIdentity {
 public:
  // Loads and checks `cert_file` (PEM chain) and `key_file`, and stages them in `stage_dir`
  // (created 0700; the file is 0600 and removed again by the destructor).
  static Result<std::unique_ptr<GrpcTlsIdentity>> Create(const std::string& cert_file,
                                                         const std::string& key_file,
                                                         const std::string& stage_dir);
  ~GrpcTlsIdentity();
  GrpcTlsIdentity(const GrpcTlsIdentity&) = delete;
  GrpcTlsIdentity& operator=(const GrpcTlsIdentity&) = delete;

  // Server credentials serving the staged identity, for the gRPC listener.
  std::shared_ptr<grpc::ServerCredentials> Credentials() const;
  // Loads, checks and stages the files again; on failure the staged identity stays as it was.
  Status Reload(const std::string& cert_file, const std::string& key_file);

 private:
  explicit GrpcTlsIdentity(std::string staged_file);
  Status Stage(const std::string& cert_file, const std::string& key_file);

  std::mutex mu_;  // one Stage at a time
  const std::string staged_file_;
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider_;
};

}  // namespace meridian::api::zitadel
