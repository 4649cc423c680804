// Framing and peer authentication of replication links: length-prefixed Protobuf frames read and
// written as coroutines over a TCP socket, and the HMAC proofs of the handshake. Parsing turns
// bytes into Status here, so the core only sees validated messages. Thread-compatible.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

#include "replication.pb.h"
#include "replication/core/messages.h"
#include "storage/base/status.h"

namespace meridian::replication {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr uint32_t kMaxFrameBytes = 64u << 20;

// Reads one frame; Unavailable on a closed or broken socket, Corruption on a malformed or
// oversized frame or a version this node does not speak.
boost::asio::awaitable<Result<pb::Frame>> ReadFrame(boost::asio::ip::tcp::socket& socket);
// Serializes `frame` with its length prefix (version set here).
std::string EncodeFrame(pb::Frame& frame);
// Writes bytes produced by EncodeFrame; Unavailable on failure.
boost::asio::awaitable<Status> WriteBytes(boost::asio::ip::tcp::socket& socket,
                                          const std::string& bytes);

std::string RandomNonce();
// HMAC-SHA256 of the concatenated parts under `secret`.
std::string Mac(const std::string& secret, std::initializer_list<std::string_view> parts);
// Constant-time comparison.
bool SameMac(std::string_view a, std::string_view b);

// Protobuf <-> core messages.
EntriesMsg FromProto(const pb::Entries& in);
void ToProto(const EntriesMsg& in, pb::Entries* out);

}  // namespace meridian::replication
