// Frames and handshake proofs (see framing.h).
#include "replication/net/framing.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace meridian::replication {
namespace asio = boost::asio;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

PeerStream::PeerStream(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls)
    : context_(std::move(tls)), stream_(std::move(socket)) {
  if (context_) {
    asio::ip::tcp::socket tcp = std::move(std::get<asio::ip::tcp::socket>(stream_));
    stream_.emplace<TlsStream>(std::move(tcp), *context_);
  }
}

asio::ip::tcp::socket& PeerStream::socket() {
  if (auto* tls = this->tls()) return tls->next_layer();
  return std::get<asio::ip::tcp::socket>(stream_);
}

namespace {
asio::awaitable<std::tuple<boost::system::error_code, size_t>> ReadExactly(
    PeerStream& stream, asio::mutable_buffer buffer) {
  return stream.Visit([&](auto& s) { return asio::async_read(s, buffer, kNoThrow); });
}
}  // namespace

Result<uint32_t> DecodeFrameLength(const unsigned char (&header)[4]) {
  const uint32_t length = (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) |
                          (uint32_t{header[2]} << 8) | uint32_t{header[3]};
  if (length > kMaxFrameBytes) return Status::Corruption("oversized replication frame");
  return length;
}

Result<pb::Frame> DecodeFrameBody(std::string_view body) {
  pb::Frame frame;
  if (!frame.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::Corruption("undecodable replication frame");
  }
  if (frame.version() != kProtocolVersion) {
    return Status::Corruption("replication protocol version " + std::to_string(frame.version()) +
                              " is not supported");
  }
  return frame;
}

asio::awaitable<Result<pb::Frame>> ReadFrame(PeerStream& stream) {
  unsigned char header[4];
  auto [ec, n] = co_await ReadExactly(stream, asio::buffer(header));
  if (ec) co_return Status::Unavailable("link read: " + ec.message());
  auto length = DecodeFrameLength(header);
  if (!length.ok()) co_return length.status();
  std::string body(*length, '\0');
  std::tie(ec, n) = co_await ReadExactly(stream, asio::buffer(body));
  if (ec) co_return Status::Unavailable("link read: " + ec.message());
  co_return DecodeFrameBody(body);
}

std::string EncodeFrame(pb::Frame& frame) {
  frame.set_version(kProtocolVersion);
  std::string body = frame.SerializeAsString();
  std::string out(4, '\0');
  const uint32_t length = static_cast<uint32_t>(body.size());
  out[0] = static_cast<char>(length >> 24);
  out[1] = static_cast<char>(length >> 16);
  out[2] = static_cast<char>(length >> 8);
  out[3] = static_cast<char>(length);
  return out + body;
}

asio::awaitable<Status> WriteBytes(PeerStream& stream, const std::string& bytes) {
  auto [ec, n] = co_await stream.Visit(
      [&](auto& s) { return asio::async_write(s, asio::buffer(bytes), kNoThrow); });
  if (ec) co_return Status::Unavailable("link write: " + ec.message());
  co_return Status::Ok();
}

std::string RandomNonce() {
  std::string nonce(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), 32) != 1) std::abort();
  return nonce;
}

std::string Mac(const std::string& secret, std::initializer_list<std::string_view> parts) {
  std::string message;
  for (auto p : parts) {
    // Length-prefixed, so ("ab","c") and ("a","bc") sign differently.
    message += std::to_string(p.size()) + ":";
    message += p;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &out_len);
  return std::string(reinterpret_cast<char*>(out), out_len);
}

bool SameMac(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

EntriesMsg FromProto(const pb::Entries& in) {
  EntriesMsg out;
  out.prev_seq = in.prev_seq();
  out.last_seq = in.last_seq();
  out.stable_seq = in.stable_seq();
  out.entries.reserve(in.entries_size());
  for (const auto& e : in.entries()) out.entries.push_back({e.seq(), e.payload()});
  return out;
}

void ToProto(const EntriesMsg& in, pb::Entries* out) {
  out->set_prev_seq(in.prev_seq);
  out->set_last_seq(in.last_seq);
  out->set_stable_seq(in.stable_seq);
  for (const auto& e : in.entries) {
    auto* entry = out->add_entries();
    entry->set_seq(e.seq);
    entry->set_payload(e.payload);
  }
}

}  // namespace meridian::replication
