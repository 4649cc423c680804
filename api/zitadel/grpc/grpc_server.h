// ZITADEL's ManagementService (the six organization-metadata methods of rpc.h) over gRPC on
// HTTP/2, served by libgrpc++'s callback API: each call's ServerUnaryReactor is finished by a
// coroutine co_spawn'ed onto a strand of the node's io_context (one per call, as each HTTP
// session has one: the write path relies on it), so no gRPC thread ever blocks on the store
// or a consistency wait. Plaintext, or TLS with the API's certificate when api_tls is set
// (grpc_tls.h). Thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "api/api_context.h"
#include "storage/base/status.h"

namespace meridian::api::zitadel {

// The listener's TLS: the api_tls files, and the directory they are staged in for libgrpc
// (grpc_tls.h). No cert_file: plaintext.
struct GrpcTlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string stage_dir;
  bool enabled() const { return !cert_file.empty(); }
};

class GrpcServer {
 public:
  // Listens on "host:port" (port 0: any free port) and starts serving, over TLS when
  // `tls` is enabled (a certificate or key that does not load fails the start).
  static Result<std::unique_ptr<GrpcServer>> Start(const std::string& address,
                                                   boost::asio::io_context& ioc,
                                                   const ApiContext& ctx,
                                                   const GrpcTlsFiles& tls = {});
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  int port() const;
  bool tls() const;
  // Loads the certificate and key again for the next connections (within about a second);
  // on failure the listener keeps its current ones. Only for a TLS listener.
  Status ReloadTls(const std::string& cert_file, const std::string& key_file);
  // Calls not yet finished.
  size_t in_flight() const;
  // Stops accepting calls and waits for the running ones. Blocks: call it off the io_context's
  // threads while they still run the calls, or after Abandon.
  void Shutdown();
  // Finishes every call still running with UNAVAILABLE. Only once the io_context no longer
  // runs (its coroutines will never resume): the drain's last resort.
  void Abandon();

 private:
  struct Impl;
  explicit GrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace meridian::api::zitadel
