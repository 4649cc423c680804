// TLS identity of the gRPC port (see grpc_tls.h).
#include "api/zitadel/grpc/grpc_tls.h"

#include <fcntl.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace meridian::api::zitadel {
namespace {
namespace ssl = boost::asio::ssl;

// libgrpc's poll interval of the staged file, in seconds (its minimum).
constexpr unsigned kPollSeconds = 1;

Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    return Status::InvalidArgument(std::string("api_tls ") + what + " " + path +
                                   ": cannot be read or is empty");
  }
  return text.str();
}

// Checks in memory what will be staged, so the bytes checked are the bytes libgrpc reads.
Status CheckPem(const std::string& chain, const std::string& key, const std::string& cert_file,
                const std::string& key_file) {
  ssl::context ctx(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx.use_certificate_chain(boost::asio::buffer(chain), ec);
  if (ec) return Status::InvalidArgument("api_tls cert_file " + cert_file + ": " + ec.message());
  ctx.use_private_key(boost::asio::buffer(key), ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return Status::InvalidArgument("api_tls key_file " + key_file + " does not load or match");
  }
  return Status::Ok();
}

Status WriteAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create " + tmp);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool closed = ::close(fd) == 0;
  if (done != text.size() || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError("cannot write " + path);
  }
  return Status::Ok();
}

}  // namespace

GrpcTlsIdentity::GrpcTlsIdentity(std::string staged_file) : staged_file_(std::move(staged_file)) {}

GrpcTlsIdentity::~GrpcTlsIdentity() {
  provider_.reset();
  ::unlink(staged_file_.c_str());
}

Result<std::unique_ptr<GrpcTlsIdentity>> GrpcTlsIdentity::Create(const std::string& cert_file,
                                                                 const std::string& key_file,
                                                                 const std::string& stage_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(stage_dir, ec);
  if (!ec) fs::permissions(stage_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return Status::IOError("gRPC TLS staging dir " + stage_dir + ": " + ec.message());
  std::unique_ptr<GrpcTlsIdentity> identity(new GrpcTlsIdentity(stage_dir + "/identity.pem"));
  MERIDIAN_RETURN_IF_ERROR(identity->Stage(cert_file, key_file));
  // The provider reads the staged file once here, then polls it.
  identity->provider_ = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      identity->staged_file_, identity->staged_file_, kPollSeconds);
  return identity;
}

std::shared_ptr<grpc::ServerCredentials> GrpcTlsIdentity::Credentials() const {
  grpc::experimental::TlsServerCredentialsOptions options(provider_);
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  return grpc::experimental::TlsServerCredentials(options);
}

Status GrpcTlsIdentity::Reload(const std::string& cert_file, const std::string& key_file) {
  return Stage(cert_file, key_file);
}

Status GrpcTlsIdentity::Stage(const std::string& cert_file, const std::string& key_file) {
  auto chain = ReadFile(cert_file, "cert_file");
  if (!chain.ok()) return chain.status();
  auto key = ReadFile(key_file, "key_file");
  if (!key.ok()) return key.status();
  MERIDIAN_RETURN_IF_ERROR(CheckPem(*chain, *key, cert_file, key_file));
  // One file for both: libgrpc's PEM readers skip the blocks of the other kind.
  std::lock_guard lock(mu_);
  return WriteAtomically(staged_file_, *key + "\n" + *chain);
}

}  // namespace meridian::api::zitadel
