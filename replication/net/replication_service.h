// ReplicationService: the Asio host of the replication driver (etcd's raftNode, small). It dials
// every peer to stream this node's log, accepts peers' links to receive theirs, streams
// snapshots, and runs the tick timer; what each Ready means (persist, send, apply, report back)
// is replication/driver.h, the same code the simulation runs. Everything runs on one strand;
// public methods are thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "replication/consistency_gate.h"
#include "replication/core/replicator.h"
#include "replication/driver.h"
#include "replication/net/framing.h"
#include "replication/net/peer_tls.h"
#include "storage/store.h"

namespace meridian::replication {

struct PeerAddress {
  std::string node_id;
  std::string region;
  std::string dial;  // HOST:PORT this node dials to reach the peer's replication listener
};

struct ReplicationOptions {
  std::string node_id;
  std::string region;
  std::string listen;  // HOST:PORT of this node's replication listener ("" with no peers)
  std::string secret;  // the cluster secret both ends prove knowledge of
  std::vector<PeerAddress> peers;
  // Set (ca_file non-empty): every link is TLS 1.3 with mutual certificate checks, and the
  // HMAC handshake runs inside it; unset: plaintext links, as before.
  PeerTlsFiles tls;
  ReplicatorOptions core;  // every protocol policy: windows, timeouts, truncation, collection
};

class ReplicationService : private DriverHost {
 public:
  // REQUIRES: store and gate outlive the service.
  ReplicationService(boost::asio::io_context& ioc, storage::Store* store, ConsistencyGate* gate,
                     ReplicationOptions options);
  ~ReplicationService();

  // Loads the TLS material (if any), binds the replication listener and starts the dialers and
  // the tick timer.
  Status Start();
  // Reloads the TLS material from its files: links made after the swap use it, open ones keep
  // theirs. On failure the old material stays and the error is returned (and logged).
  Status ReloadTls();
  // Closes every link and stops the timer; safe to call from any thread.
  void Stop();
  // This node committed its own log up to `seq` (from the writer thread).
  void OnLocalCommit(uint64_t seq);
  // GET /cluster/v1/status body (JSON), computed on the service's strand.
  boost::asio::awaitable<std::string> StatusJson();

 private:
  struct Link;  // a TCP or TLS connection of a peer, either direction

  uint64_t NowMs() const;
  // DriverHost: frames onto the links; commits answered on the strand.
  void SendEntries(const std::string& peer, const EntriesMsg& msg) override;
  void SendAck(const std::string& origin, const AckMsg& ack) override;
  void StartSnapshot(const std::string& peer) override;
  void Persist(storage::WriteBatch batch, storage::CommitCallback done) override;
  void DropLink(const LinkRef& link) override;
  void Send(const std::shared_ptr<Link>& link, std::string bytes);
  boost::asio::awaitable<void> WriteLoop(std::shared_ptr<Link> link);
  boost::asio::awaitable<void> Dial(PeerAddress peer);
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> ServeInbound(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> TickLoop();
  boost::asio::awaitable<void> StreamSnapshot(std::string peer);
  // The dialer's side of the authenticated handshake; the peer's applied position of this
  // node's log (its Welcome).
  boost::asio::awaitable<Result<uint64_t>> Handshake(Link& link, const PeerAddress& peer);
  // The TLS handshake of a link (no-op on plaintext); PermissionDenied with the reason when the
  // peer or its certificate is refused.
  boost::asio::awaitable<Status> SecureLink(Link& link, bool client);
  Status Listen();

  boost::asio::io_context& ioc_;
  storage::Store* const store_;
  ConsistencyGate* const gate_;
  const ReplicationOptions options_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer tick_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // current material; null: plaintext
  std::unique_ptr<StoreLogReader> log_;
  std::unique_ptr<Replicator> core_;
  std::unique_ptr<Driver> driver_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<Link>> outbound_;  // node id -> link this node dialed
  std::map<std::string, std::shared_ptr<Link>> inbound_;   // origin id -> link the peer dialed
  std::map<std::string, std::string> origin_of_;           // node id -> its current origin id

  // Traffic and trouble per peer (node id) since start, for StatusJson (and so /metrics).
  struct PeerStats {
    uint64_t bytes_sent = 0, bytes_received = 0;      // framed bytes on both links after handshake
    uint64_t entries_sent = 0, entries_received = 0;  // log entries (live and catch-up)
    uint64_t snapshot_records_sent = 0, snapshot_bytes_sent = 0;
    uint64_t snapshot_records_received = 0, snapshot_bytes_received = 0;
    std::string last_error;     // the last link failure ("" none)
    int64_t last_error_ms = 0;  // its wall-clock time, Unix ms
  };
  void NoteError(const std::string& peer, const std::string& error);
  std::map<std::string, PeerStats> stats_;
};

}  // namespace meridian::replication
