// Setup phase of meridian-loadgen: creates the organizations and their API keys through the
// operator API and seeds every attribute the workload will read, before any timing starts.
// Blocking; runs its own io_context on the calling thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "options.h"
#include "requests.h"

namespace meridian::loadgen {

// Creates options.UsedOrgs() organizations, one read/write key each, writes all
// options.UsedKeys() attributes of each and reads one back. Returns the credentials in org
// order, or nullopt with the first failure in *error. Each call is bounded by options.timeout_s.
// Over TLS when `tls` is set (tls.h).
std::optional<std::vector<OrgCreds>> RunSetup(
    const Options& options, const boost::asio::ip::tcp::resolver::results_type& endpoints,
    boost::asio::ssl::context* tls, std::string* error);

}  // namespace meridian::loadgen
