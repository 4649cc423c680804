// Fuzzes the HTTP request path without sockets: the bytes are one connection's input, read
// the way the server's session reads them (api/request_parser.h under the node's default
// limits, over an in-memory stream), and each request (up to four, pipelined) is dispatched
// by the Router with every dialect registered over a real Store in a temporary folder. Every
// answer, refusals included, must be well-formed: status 100-599, no CR, LF or NUL in a header
// value, serializable. A handler that throws or a request that does not finish is a finding.
//
// The store is shared by all inputs (state builds up as in a running node). One organization
// and a key with every scope exist from the start; the input's "@ORG@" and "@KEY@" are replaced
// by their values and "@ADMIN@" by the operator's token, so seeds can reach past authentication.
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <string>
#include <string_view>

#include "api/request_parser.h"
#include "tests/fuzz/fuzz_node.h"

namespace {

using namespace meridian;
using namespace meridian::api;
using namespace meridian::fuzz;
namespace beast = boost::beast;

constexpr int kMaxRequestsPerInput = 4;

std::string Substitute(std::string text, const Node& node) {
  for (auto [token, value] : {std::pair<std::string_view, std::string_view>{"@ORG@", node.org()},
                              {"@KEY@", node.key()},
                              {"@ADMIN@", kAdminToken}}) {
    for (size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

std::string TargetFor(const RequestParser& parser) {
  std::string_view target = OriginForm(parser.get().target());
  if (target.empty() || target.front() != '/' || target.size() > 8192) return "/";
  return std::string(target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Node& node = TheNode();
  const std::string input =
      Substitute(std::string(reinterpret_cast<const char*>(data), size), node);
  const ServerOptions limits;
  beast::test::stream stream(node.ioc());
  stream.append(input);
  stream.close_remote();
  beast::flat_buffer buffer(size_t{limits.max_header_bytes} + 4096);
  for (int i = 0; i < kMaxRequestsPerInput; ++i) {
    RequestParser parser(&node.budget());
    parser.header_limit(limits.max_header_bytes);
    parser.set_body_limit(limits.max_body_bytes);
    boost::system::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    if (!ec && !parser.is_done()) http::read(stream, buffer, parser, ec);
    if (ec == http::error::end_of_stream) break;
    if (ec) {
      // The session answers these refusals in the dialect of the target, then closes.
      const auto status = ec == http::error::body_limit ? http::status::payload_too_large
                                                        : http::status::bad_request;
      CheckResponse(node.router().ErrorFor(TargetFor(parser), status, ec.message(), "fuzz"));
      break;
    }
    Request req = parser.release();
    const bool keep_alive = req.keep_alive();
    CheckResponse(node.Dispatch(std::move(req)));
    if (!keep_alive) break;
  }
  return 0;
}
