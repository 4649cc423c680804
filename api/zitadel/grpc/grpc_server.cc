// gRPC transport of ZITADEL's ManagementService (see grpc_server.h).
#include "api/zitadel/grpc/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <exception>
#include <mutex>
#include <set>

#include "api/zitadel/errors.h"
#include "api/zitadel/grpc/grpc_tls.h"
#include "api/zitadel/grpc/rpc.h"
#include "zitadel/management.grpc.pb.h"

namespace meridian::api::zitadel {
namespace asio = boost::asio;
namespace {

// One call: its reactor is finished exactly once, by the coroutine or by Abandon.
struct CallState {
  grpc::CallbackServerContext* context;
  grpc::ServerUnaryReactor* reactor;
  std::atomic<bool> finished{false};
};

class Calls {
 public:
  std::shared_ptr<CallState> Add(grpc::CallbackServerContext* context) {
    auto call = std::make_shared<CallState>();
    call->context = context;
    call->reactor = context->DefaultReactor();
    std::lock_guard lock(mu_);
    running_.insert(call);
    return call;
  }
  void Finish(const std::shared_ptr<CallState>& call, const rpc::RpcStatus& status) {
    if (call->finished.exchange(true)) return;
    {
      std::lock_guard lock(mu_);
      running_.erase(call);
    }
    if (!status.commit_token.empty()) {
      call->context->AddTrailingMetadata(std::string(rpc::kCommitTokenKey), status.commit_token);
    }
    call->reactor->Finish(
        status.ok() ? grpc::Status::OK
                    : grpc::Status(static_cast<grpc::StatusCode>(status.code), status.message));
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return running_.size();
  }
  std::set<std::shared_ptr<CallState>> Snapshot() const {
    std::lock_guard lock(mu_);
    return running_;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::shared_ptr<CallState>> running_;
};

template <typename Req, typename Res>
using Method = asio::awaitable<rpc::RpcStatus> (*)(const ApiContext&, const rpc::Metadata&,
                                                   const Req&, Res&);

// Parameters by value: they live in the coroutine frame. `req` and `res` belong to gRPC until
// the reactor finishes.
template <typename Req, typename Res>
asio::awaitable<rpc::RpcStatus> RunCall(Method<Req, Res> method, const ApiContext* ctx,
                                        rpc::Metadata md, const Req* req, Res* res) {
  co_return co_await method(*ctx, md, *req, *res);
}

class Service final : public ::zitadel::management::v1::ManagementService::CallbackService {
 public:
  Service(asio::io_context& ioc, const ApiContext& ctx) : ioc_(ioc), ctx_(ctx) {}
  Calls& calls() { return calls_; }

  grpc::ServerUnaryReactor* SetOrgMetadata(grpc::CallbackServerContext* c,
                                           const rpc::mgmt::SetOrgMetadataRequest* req,
                                           rpc::mgmt::SetOrgMetadataResponse* res) override {
    return Spawn(&rpc::SetOrgMetadata, c, req, res);
  }
  grpc::ServerUnaryReactor* BulkSetOrgMetadata(
      grpc::CallbackServerContext* c, const rpc::mgmt::BulkSetOrgMetadataRequest* req,
      rpc::mgmt::BulkSetOrgMetadataResponse* res) override {
    return Spawn(&rpc::BulkSetOrgMetadata, c, req, res);
  }
  grpc::ServerUnaryReactor* ListOrgMetadata(grpc::CallbackServerContext* c,
                                            const rpc::mgmt::ListOrgMetadataRequest* req,
                                            rpc::mgmt::ListOrgMetadataResponse* res) override {
    return Spawn(&rpc::ListOrgMetadata, c, req, res);
  }
  grpc::ServerUnaryReactor* GetOrgMetadata(grpc::CallbackServerContext* c,
                                           const rpc::mgmt::GetOrgMetadataRequest* req,
                                           rpc::mgmt::GetOrgMetadataResponse* res) override {
    return Spawn(&rpc::GetOrgMetadata, c, req, res);
  }
  grpc::ServerUnaryReactor* RemoveOrgMetadata(grpc::CallbackServerContext* c,
                                              const rpc::mgmt::RemoveOrgMetadataRequest* req,
                                              rpc::mgmt::RemoveOrgMetadataResponse* res) override {
    return Spawn(&rpc::RemoveOrgMetadata, c, req, res);
  }
  grpc::ServerUnaryReactor* BulkRemoveOrgMetadata(
      grpc::CallbackServerContext* c, const rpc::mgmt::BulkRemoveOrgMetadataRequest* req,
      rpc::mgmt::BulkRemoveOrgMetadataResponse* res) override {
    return Spawn(&rpc::BulkRemoveOrgMetadata, c, req, res);
  }

 private:
  template <typename Req, typename Res>
  grpc::ServerUnaryReactor* Spawn(Method<Req, Res> method, grpc::CallbackServerContext* context,
                                  const Req* req, Res* res) {
    rpc::Metadata md;
    for (const auto& [name, value] : context->client_metadata()) {
      md.emplace_back(std::string(name.data(), name.size()),
                      std::string(value.data(), value.size()));
    }
    auto call = calls_.Add(context);
    // A strand per call, as each HTTP session has: the write path's waits (CommitAndWait, the
    // consistency gate) are woken by handlers posted to the coroutine's executor, and only a
    // strand orders them after the coroutine's check; on the bare io_context (several threads)
    // a wake-up could land between check and wait and the call hung until its deadline.
    asio::co_spawn(asio::make_strand(ioc_), RunCall(method, &ctx_, std::move(md), req, res),
                   [this, call](std::exception_ptr error, rpc::RpcStatus status) {
                     if (error) status = {kGrpcInternal, "internal error", ""};
                     calls_.Finish(call, status);
                   });
    return call->reactor;
  }

  asio::io_context& ioc_;
  const ApiContext& ctx_;
  Calls calls_;
};

}  // namespace

struct GrpcServer::Impl {
  Impl(asio::io_context& ioc, const ApiContext& ctx) : service(ioc, ctx) {}
  Service service;
  std::unique_ptr<GrpcTlsIdentity> tls;  // outlives the server, whose credentials poll it
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::once_flag shutdown;
};

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcServer::~GrpcServer() {
  Abandon();
  Shutdown();
}

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const std::string& address,
                                                      asio::io_context& ioc, const ApiContext& ctx,
                                                      const GrpcTlsFiles& tls) {
  auto impl = std::make_unique<Impl>(ioc, ctx);
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (tls.enabled()) {
    auto identity = GrpcTlsIdentity::Create(tls.cert_file, tls.key_file, tls.stage_dir);
    if (!identity.ok()) return identity.status();
    impl->tls = std::move(*identity);
    credentials = impl->tls->Credentials();
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, credentials, &impl->port);
  builder.RegisterService(&impl->service);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return Status::InvalidArgument("cannot listen for gRPC on " + address);
  }
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl)));
}

int GrpcServer::port() const { return impl_->port; }

bool GrpcServer::tls() const { return impl_->tls != nullptr; }

Status GrpcServer::ReloadTls(const std::string& cert_file, const std::string& key_file) {
  if (!impl_->tls) return Status::InvalidArgument("the gRPC listener is plaintext");
  return impl_->tls->Reload(cert_file, key_file);
}

size_t GrpcServer::in_flight() const { return impl_->service.calls().size(); }

void GrpcServer::Shutdown() {
  std::call_once(impl_->shutdown, [this] { impl_->server->Shutdown(); });
}

void GrpcServer::Abandon() {
  for (const auto& call : impl_->service.calls().Snapshot()) {
    impl_->service.calls().Finish(
        call, {kGrpcUnavailable, Tagged("the node is shutting down", "MERIDIAN-503"), ""});
  }
}

}  // namespace meridian::api::zitadel
