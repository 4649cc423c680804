// The client TLS context of meridian-loadgen (see tls.h).
#include "tls.h"

namespace meridian::loadgen {

std::unique_ptr<boost::asio::ssl::context> MakeClientTls(const Options& options,
                                                         std::string* error) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->load_verify_file(options.cacert, ec);
  if (ec) {
    *error = "--cacert " + options.cacert + ": " + ec.message();
    return nullptr;
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace meridian::loadgen
