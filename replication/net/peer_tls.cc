// Replication TLS material and peer identity (see peer_tls.h).
#include "replication/net/peer_tls.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace meridian::replication {
namespace ssl = boost::asio::ssl;

namespace {
Status LoadError(const std::string& what, const std::string& file,
                 const boost::system::error_code& ec) {
  return Status::InvalidArgument("peer_tls " + what + " " + file + ": " + ec.message());
}
}  // namespace

Result<std::shared_ptr<ssl::context>> LoadPeerTlsContext(const PeerTlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1) {
    return Status::InvalidArgument("peer_tls: this OpenSSL cannot speak TLS 1.3");
  }
  boost::system::error_code ec;
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  if (!ec) ctx->load_verify_file(files.ca_file, ec);
  if (ec) return LoadError("ca_file", files.ca_file, ec);
  ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec) return LoadError("cert_file", files.cert_file, ec);
  ctx->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) return LoadError("key_file", files.key_file, ec);
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("peer_tls key_file " + files.key_file +
                                   " does not match cert_file " + files.cert_file);
  }
  return ctx;
}

Status CheckPeerName(SSL* ssl, const std::string& node_id) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return Status::PermissionDenied("peer presented no certificate");
  // SAN DNS names, or the CN when the certificate has none; exact, no wildcards.
  if (X509_check_host(cert, node_id.data(), node_id.size(), X509_CHECK_FLAG_NO_WILDCARDS,
                      nullptr) == 1) {
    return Status::Ok();
  }
  char subject[256] = {0};
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject) - 1);
  return Status::PermissionDenied("certificate does not name node " + node_id + " (subject " +
                                  subject + ")");
}

std::string HandshakeFailure(SSL* ssl, const boost::system::error_code& ec) {
  std::string reason = ec.message();
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    reason += std::string(" (peer certificate: ") + X509_verify_cert_error_string(verify) + ")";
  }
  return reason;
}

}  // namespace meridian::replication
