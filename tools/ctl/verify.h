// meridianctl verify and repair (docs/meridianctl.md): compares the digest trees of every node
// of the cluster (api/admin/verify_api.h) at a common replicated position, descending only into
// subtrees that differ, and lists the records that differ. Repair sends each differing record
// from every node that holds it to every node that holds something else, through the nodes'
// replication apply path, so last-writer-wins on (hlc, origin) decides on each node.
#pragma once

#include <string>
#include <vector>

#include "verbs.h"

namespace meridian::ctl {

// One node of the cluster and a client to its API.
struct Member {
  std::string id;
  Client client;
};

// The members: the nodes at `endpoints` (API URLs), else every node of the cluster file (from
// the node ctx talks to). Returns kOk, or the exit code after printing why not.
int FindMembers(const std::vector<std::string>& endpoints, Context& ctx,
                std::vector<Member>& members);

struct VerifyOptions {
  std::vector<std::string> endpoints;  // every node's API URL; empty: from the cluster file
  int wait_seconds = 30;               // for a common replicated position
  bool repair = false;
};

// Exit code: kOk when every node holds the same records (after repairing, with `repair`),
// kCheckFailed when they differ (the differences are printed), others as in verbs.h.
int VerifyCluster(const VerifyOptions& options, Context& ctx);

}  // namespace meridian::ctl
