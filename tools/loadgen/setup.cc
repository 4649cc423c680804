// Setup phase (see setup.h). Speed matters little here, so it uses Beast's typed messages.
#include "setup.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <exception>
#include <random>
#include <tuple>

#include "tls.h"

namespace meridian::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Seed bodies stay well under the server's default 4 MiB body limit.
constexpr size_t kSeedChunkBytes = 1 << 20;

struct Reply {
  unsigned status = 0;
  std::string body;
};

// One keep-alive connection; reconnects after the server closes it.
class SetupClient {
 public:
  SetupClient(asio::any_io_executor executor, const Options& options,
              const tcp::resolver::results_type& endpoints, asio::ssl::context* tls)
      : options_(options), endpoints_(endpoints), tls_(tls), stream_(executor) {}

  // Sends one request; nullopt (and *error) on a transport failure.
  asio::awaitable<std::optional<Reply>> Call(http::verb verb, std::string target,
                                             const std::string& bearer, const std::string& org_id,
                                             std::string body, std::string* error) {
    const auto limit = std::chrono::milliseconds(static_cast<int64_t>(options_.timeout_s * 1000));
    const std::string what = std::string(http::to_string(verb)) + " " + target + ": ";
    if (!connected_) {
      if (tls_ != nullptr) {
        tls_stream_.emplace(stream_.get_executor(), *tls_);
        PrepareHandshake(*tls_stream_, options_.host);
      }
      Tcp().expires_after(limit);
      auto [ec, endpoint] = co_await Tcp().async_connect(endpoints_, kNoThrow);
      if (!ec) Tcp().socket().set_option(tcp::no_delay(true), ec);
      if (!ec && tls_stream_) {
        auto [handshake_ec] =
            co_await tls_stream_->async_handshake(asio::ssl::stream_base::client, kNoThrow);
        ec = handshake_ec;
      }
      if (ec) {
        *error = "connect to " + options_.HostHeader() + ": " + ec.message();
        Disconnect();
        co_return std::nullopt;
      }
      connected_ = true;
    }
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, options_.HostHeader());
    request.set(http::field::authorization, "Bearer " + bearer);
    if (!org_id.empty()) request.set("SlashID-OrgID", org_id);
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    Tcp().expires_after(limit);
    // if/else, never `co_await (tls ? a : b)`: GCC 12 miscompiles a co_await of ?: (crash).
    beast::error_code write_ec;
    if (tls_stream_) {
      std::tie(write_ec, std::ignore) = co_await http::async_write(*tls_stream_, request, kNoThrow);
    } else {
      std::tie(write_ec, std::ignore) = co_await http::async_write(stream_, request, kNoThrow);
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    beast::error_code read_ec = write_ec;
    if (!write_ec) {
      if (tls_stream_) {
        std::tie(read_ec, std::ignore) =
            co_await http::async_read(*tls_stream_, buffer_, parser, kNoThrow);
      } else {
        std::tie(read_ec, std::ignore) =
            co_await http::async_read(stream_, buffer_, parser, kNoThrow);
      }
    }
    if (read_ec || !parser.get().keep_alive()) Disconnect();
    if (read_ec) {
      *error = what + read_ec.message();
      co_return std::nullopt;
    }
    co_return Reply{parser.get().result_int(), std::move(parser.get().body())};
  }

 private:
  // The TCP layer: the TLS stream's own with --tls, else stream_.
  beast::tcp_stream& Tcp() { return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : stream_; }
  void Disconnect() {
    beast::error_code ignored;
    Tcp().socket().close(ignored);
    tls_stream_.reset();
    buffer_.clear();
    connected_ = false;
  }

  const Options& options_;
  const tcp::resolver::results_type& endpoints_;
  asio::ssl::context* const tls_;
  beast::tcp_stream stream_;                                        // plain HTTP
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;  // HTTPS, one per connection
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

// Shared by the workers of one RunSetup; they all run on its single thread.
struct SetupState {
  int next_org = 0;
  std::vector<OrgCreds> creds;
  std::string error;  // first failure; stops every worker
};

// Returns a string field of a JSON object reply with the expected status, else "" and *error.
std::string FieldOf(const std::optional<Reply>& reply, unsigned expected, const char* field,
                    const std::string& what, std::string* error) {
  if (!reply) return "";
  if (reply->status != expected) {
    *error = what + ": HTTP " + std::to_string(reply->status) + " " + reply->body;
    return "";
  }
  boost::system::error_code ec;
  json::value doc = json::parse(reply->body, ec);
  const json::string* value = nullptr;
  if (!ec && doc.is_object()) {
    if (const json::value* v = doc.as_object().if_contains(field)) value = v->if_string();
  }
  if (value == nullptr || value->empty()) {
    *error = what + ": no string \"" + field + "\" in " + reply->body;
    return "";
  }
  return std::string(*value);
}

bool Is2xx(const std::optional<Reply>& reply, const std::string& what, std::string* error) {
  if (!reply) return false;
  if (reply->status / 100 == 2) return true;
  *error = what + ": HTTP " + std::to_string(reply->status) + " " + reply->body;
  return false;
}

// Creates, keys, seeds and checks one organization; fills state->creds[index].
asio::awaitable<bool> SetupOrg(SetupClient& client, const Options& options, int index,
                               const std::string& name, SetupState* state) {
  std::string& error = state->error;
  const std::string& admin = options.admin_token;
  json::object org_body{{"name", name}};
  auto reply = co_await client.Call(http::verb::post, "/admin/v1/organizations", admin, "",
                                    json::serialize(org_body), &error);
  const std::string org_id = FieldOf(reply, 201, "id", "create organization " + name, &error);
  if (org_id.empty()) co_return false;

  json::object key_body{{"name", "loadgen"}, {"scopes", json::array{"read", "write"}}};
  reply = co_await client.Call(http::verb::post, "/admin/v1/organizations/" + org_id + "/api-keys",
                               admin, "", json::serialize(key_body), &error);
  const std::string key = FieldOf(reply, 201, "key", "create API key of " + org_id, &error);
  if (key.empty()) co_return false;

  const int keys = options.UsedKeys();
  const int per_chunk = static_cast<int>(
      std::max<size_t>(1, kSeedChunkBytes / (static_cast<size_t>(options.value_bytes) + 16)));
  for (int first = 0; first < keys; first += per_chunk) {
    std::string body = "{";
    for (int k = first; k < std::min(keys, first + per_chunk); ++k) {
      if (k != first) body += ',';
      body += '"' + AttributeName(k) + "\":\"";
      AppendValue(options.value_bytes, 0, &body);
      body += '"';
    }
    body += '}';
    reply = co_await client.Call(http::verb::patch, std::string(kBucketPath), key, org_id,
                                 std::move(body), &error);
    if (!Is2xx(reply, "seed attributes of " + org_id, &error)) co_return false;
  }

  // Reading the last seeded name back proves the key, the org header and the seed all work.
  const std::string last = AttributeName(keys - 1);
  reply = co_await client.Call(http::verb::get, std::string(kBucketPath) + "?attributes=" + last,
                               key, org_id, "", &error);
  const std::string what = "read back " + last + " of " + org_id;
  if (!Is2xx(reply, what, &error)) co_return false;
  boost::system::error_code ec;
  json::value doc = json::parse(reply->body, ec);
  const json::value* result =
      ec || !doc.is_object() ? nullptr : doc.as_object().if_contains("result");
  if (result == nullptr || !result->is_object() || !result->as_object().contains(last)) {
    error = what + ": attribute missing in " + reply->body;
    co_return false;
  }
  state->creds[static_cast<size_t>(index)] = OrgCreds{org_id, key};
  co_return true;
}

asio::awaitable<void> SetupWorker(const Options& options,
                                  const tcp::resolver::results_type& endpoints,
                                  asio::ssl::context* tls, const std::string& name_prefix,
                                  SetupState* state) {
  SetupClient client(co_await asio::this_coro::executor, options, endpoints, tls);
  while (state->error.empty() && state->next_org < options.UsedOrgs()) {
    const int index = state->next_org++;
    if (!co_await SetupOrg(client, options, index, name_prefix + std::to_string(index), state)) {
      co_return;
    }
  }
}

}  // namespace

std::optional<std::vector<OrgCreds>> RunSetup(const Options& options,
                                              const tcp::resolver::results_type& endpoints,
                                              asio::ssl::context* tls, std::string* error) {
  asio::io_context ioc(1);
  SetupState state;
  state.creds.resize(static_cast<size_t>(options.UsedOrgs()));
  // Names unique per run so repeated runs against one node never collide.
  const std::string prefix = "loadgen-" + std::to_string(std::time(nullptr)) + "-" +
                             std::to_string(std::random_device{}() % 1000000) + "-";
  // A few connections in parallel let the server fold the seeding writes into group commits.
  const int workers = std::min(options.UsedOrgs(), 8);
  for (int i = 0; i < workers; ++i) {
    asio::co_spawn(ioc, SetupWorker(options, endpoints, tls, prefix, &state),
                   [](std::exception_ptr e) {
                     if (e) std::rethrow_exception(e);
                   });
  }
  ioc.run();
  if (!state.error.empty()) {
    *error = state.error;
    return std::nullopt;
  }
  return std::move(state.creds);
}

}  // namespace meridian::loadgen
