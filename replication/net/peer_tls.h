// TLS of replication links: the material (cluster CA, this node's certificate and key) loaded
// into a TLS 1.3-only context that presents the certificate and demands a peer certificate
// chaining to the CA, and the check that a verified peer certificate names the node id expected
// (a subject alternative DNS name, else the CN). Pure functions; thread-compatible.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "storage/base/status.h"

namespace meridian::replication {

struct PeerTlsFiles {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool enabled() const { return !ca_file.empty(); }
};

// InvalidArgument naming the file and OpenSSL's reason when any part fails to load or the key
// does not match the certificate.
Result<std::shared_ptr<boost::asio::ssl::context>> LoadPeerTlsContext(const PeerTlsFiles& files);

// Ok when the peer's (already chain-verified) certificate names `node_id`; PermissionDenied
// with the reason otherwise.
Status CheckPeerName(SSL* ssl, const std::string& node_id);

// The reason a TLS handshake failed, for the log: the transport error plus, when the peer's
// certificate was rejected, the verification error ("unable to get local issuer certificate").
std::string HandshakeFailure(SSL* ssl, const boost::system::error_code& ec);

}  // namespace meridian::replication
