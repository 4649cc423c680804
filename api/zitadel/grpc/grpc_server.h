// ZITADEL's ManagementService (the six organization-metadata methods of rpc.h) over gRPC on
// HTTP/2, served by libgrpc++'s callback API: each call's ServerUnaryReactor is finished by a
// coroutine co_spawn'ed onto the node's io_context, so no gRPC thread ever blocks on the store
// or a consistency wait. Plaintext (like the HTTP API without api_tls). Thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "api/api_context.h"
#include "storage/base/status.h"

namespace meridian::api::zitadel {

class GrpcServer {
 public:
  // Listens on "host:port" (port 0: any free port) and starts serving.
  static Result<std::unique_ptr<GrpcServer>> Start(const std::string& address,
                                                   boost::asio::io_context& ioc,
                                                   const ApiContext& ctx);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  int port() const;
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
