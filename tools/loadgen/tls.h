// HTTPS for meridian-loadgen (--tls): the one client TLS context every connection shares, and
// the per-connection preparation of a handshake. The context trusts only --cacert, refuses TLS
// below 1.2 and makes each handshake check that the certificate names the --target host.
// The context is read-only once made, so the threads share it.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <string>

#include "options.h"

namespace meridian::loadgen {

// The client context for options.cacert; nullptr and *error when it does not load. Only when
// options.tls.
std::unique_ptr<boost::asio::ssl::context> MakeClientTls(const Options& options,
                                                         std::string* error);

// Before the handshake of `stream` (an ssl::stream): SNI (for names, not addresses) and the
// name check against `host`.
template <typename SslStream>
void PrepareHandshake(SslStream& stream, const std::string& host) {
  boost::system::error_code not_an_address;
  (void)boost::asio::ip::make_address(host, not_an_address);
  if (not_an_address) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  stream.set_verify_mode(boost::asio::ssl::verify_peer);
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
}

}  // namespace meridian::loadgen
