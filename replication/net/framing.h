// Framing and peer authentication of replication links: length-prefixed Protobuf frames read and
// written as coroutines over a PeerStream (TCP, or TLS over TCP with peer_tls), and the HMAC
// proofs of the handshake. Parsing turns
// bytes into Status here, so the core only sees validated messages. Thread-compatible.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "replication.pb.h"
#include "replication/core/messages.h"
#include "storage/base/status.h"

namespace meridian::replication {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr uint32_t kMaxFrameBytes = 64u << 20;

// One replication connection's byte stream: plain TCP, or TLS over TCP when built with a
// context (which it keeps alive, so a reload never pulls material from under a link).
class PeerStream {
 public:
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
  PeerStream(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls);

  boost::asio::ip::tcp::socket& socket();
  // Null on a plaintext link.
  TlsStream* tls() { return std::get_if<TlsStream>(&stream_); }
  // Runs `f` on the TCP socket or the TLS stream (both are Asio async streams).
  template <typename F>
  decltype(auto) Visit(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::variant<boost::asio::ip::tcp::socket, TlsStream> stream_;
};

// Reads one frame; Unavailable on a closed or broken socket, Corruption on a malformed or
// oversized frame or a version this node does not speak.
boost::asio::awaitable<Result<pb::Frame>> ReadFrame(PeerStream& stream);
// ReadFrame's checks without a socket: the body length of a 4-byte big-endian prefix
// (Corruption beyond kMaxFrameBytes), and one frame body (Corruption if undecodable or of
// another version).
Result<uint32_t> DecodeFrameLength(const unsigned char (&header)[4]);
Result<pb::Frame> DecodeFrameBody(std::string_view body);
// Serializes `frame` with its length prefix (version set here).
std::string EncodeFrame(pb::Frame& frame);
// Writes bytes produced by EncodeFrame; Unavailable on failure.
boost::asio::awaitable<Status> WriteBytes(PeerStream& stream, const std::string& bytes);

std::string RandomNonce();
// HMAC-SHA256 of the concatenated parts under `secret`.
std::string Mac(const std::string& secret, std::initializer_list<std::string_view> parts);
// Constant-time comparison.
bool SameMac(std::string_view a, std::string_view b);

// Protobuf <-> core messages.
EntriesMsg FromProto(const pb::Entries& in);
void ToProto(const EntriesMsg& in, pb::Entries* out);

}  // namespace meridian::replication
