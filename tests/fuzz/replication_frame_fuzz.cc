// Fuzzes what a replication peer's bytes reach before any authentication: the length-prefixed
// framing (replication/net/framing.h) read as a stream of frames, the handshake's Hello and
// Welcome checks, and the Protobuf payloads the replica later decodes (log entries, snapshot
// records). A decoded frame must encode and decode again to the same frame.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "replication/net/framing.h"
#include "storage.pb.h"

namespace {

using namespace meridian;
namespace pb = replication::pb;

const std::string kSecret = "fuzz-cluster-secret";

void CheckHandshake(const pb::Frame& frame) {
  if (frame.has_hello()) {
    const auto& h = frame.hello();
    (void)replication::SameMac(
        h.mac(), replication::Mac(kSecret, {"hello", "nonce", h.node_id(), h.origin_id()}));
  }
  if (frame.has_welcome()) {
    const auto& w = frame.welcome();
    (void)replication::SameMac(w.mac(),
                               replication::Mac(kSecret, {"welcome", "nonce", w.node_id()}));
  }
}

void CheckPayloads(const pb::Frame& frame) {
  if (frame.has_entries()) {
    replication::EntriesMsg msg = replication::FromProto(frame.entries());
    pb::Entries back;
    replication::ToProto(msg, &back);
    for (const auto& e : msg.entries) {
      storage::pb::LogEntry entry;
      (void)entry.ParseFromString(e.payload);
    }
  }
  if (frame.has_snapshot_chunk()) {
    for (const auto& r : frame.snapshot_chunk().records()) {
      storage::pb::Record record;
      (void)record.ParseFromString(r);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (int frames = 0; in.size() >= 4 && frames < 64; ++frames) {
    unsigned char header[4];
    for (int i = 0; i < 4; ++i) header[i] = static_cast<unsigned char>(in[i]);
    in.remove_prefix(4);
    auto length = replication::DecodeFrameLength(header);
    if (!length.ok()) return 0;
    std::string_view body = in.substr(0, *length);
    in.remove_prefix(body.size());
    auto frame = replication::DecodeFrameBody(body);
    if (!frame.ok()) continue;
    CheckHandshake(*frame);
    CheckPayloads(*frame);
    pb::Frame copy = *frame;
    const std::string bytes = replication::EncodeFrame(copy);
    unsigned char again[4];
    for (int i = 0; i < 4; ++i) again[i] = static_cast<unsigned char>(bytes[i]);
    auto again_length = replication::DecodeFrameLength(again);
    if (!again_length.ok() || *again_length != bytes.size() - 4) std::abort();
    if (!replication::DecodeFrameBody(std::string_view(bytes).substr(4)).ok()) std::abort();
  }
  return 0;
}
