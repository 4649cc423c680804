// Tests of authentication and authorization (api/auth.h) against a real store in a temp dir:
// SHA-256 and secrets, the three ways to present a key, the configured or generated operator
// key, API key records in the system tenant (the layout CreateKey in api/admin/admin_api.cc
// writes), and Authorize's organization and scope checks.
#include "api/auth.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <set>
#include <string>

#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api {
namespace {

using namespace std::chrono_literals;

class AuthTest : public ::testing::Test {
 protected:
  static constexpr const char* kOrg = "7d0c5a5e-3f4c-4b8e-9a55-0f6f1d2b3c4d";
  static constexpr const char* kOtherOrg = "11111111-2222-4333-8444-555555555555";

  void SetUp() override {
    char tmpl[] = "/tmp/meridian-auth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    storage::StoreOptions options;
    options.dir = dir_;
    options.node_id = "n1";
    options.map_size_bytes = 64 << 20;
    auto store = storage::Store::Open(std::move(options));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Status Commit(storage::WriteBatch batch) {
    auto done = std::make_shared<std::promise<Status>>();
    auto future = done->get_future();
    store_->Submit(std::move(batch), [done](Result<storage::CommitInfo> r) {
      done->set_value(r.ok() ? Status::Ok() : r.status());
    });
    if (future.wait_for(30s) != std::future_status::ready)
      return Status::Timeout("test: no answer");
    return future.get();
  }
  Status CreateOrg(const std::string& org_id) {
    storage::WriteBatch b;
    b.Put(storage::DataKey(storage::kSystemTenant, kOrgsNs, org_id),
          "{\"id\":\"" + org_id + "\",\"name\":\"acme\"}");
    return Commit(std::move(b));
  }
  // Stores an API key for `org_id` the way CreateKey does; returns its secret.
  std::string CreateKey(const std::string& org_id, const std::string& scopes_json,
                        const std::string& id = "key-id-1") {
    const std::string secret = NewSecret("mrd_");
    const std::string hash = Sha256Hex(secret);
    storage::WriteBatch b;
    b.Put(storage::DataKey(storage::kSystemTenant, kKeysNs, hash),
          "{\"id\":\"" + id + "\",\"organization_id\":\"" + org_id +
              "\",\"name\":\"ci\",\"scopes\":" + scopes_json +
              ",\"created_at\":\"2024-01-01T00:00:00.000Z\"}");
    b.Put(storage::DataKey(storage::kSystemTenant, kKeyIdsNs, id),
          "{\"hash\":\"" + hash + "\",\"organization_id\":\"" + org_id + "\"}");
    EXPECT_TRUE(Commit(std::move(b)).ok());
    return secret;
  }
  static Request WithHeader(std::string_view name, std::string_view value) {
    Request req{http::verb::get, "/", 11};
    req.set(name, value);
    return req;
  }
  Result<Principal> AuthenticateWith(const Authenticator& auth, const Request& req) {
    auto txn = store_->Read();
    if (!txn.ok()) return txn.status();
    return auth.Authenticate(req, *txn);
  }
  Status AuthorizeWith(const Authenticator& auth, const Principal& who, const std::string& org,
                       uint8_t scope) {
    auto txn = store_->Read();
    if (!txn.ok()) return txn.status();
    return auth.Authorize(who, org, scope, *txn);
  }
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(AuthTest, Sha256HexMatchesTheKnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(AuthTest, NewSecretHasThePrefixFortyHexCharactersAndIsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string s = NewSecret("mrd_");
    ASSERT_EQ(s.size(), 4u + 40u) << s;
    EXPECT_EQ(s.substr(0, 4), "mrd_");
    EXPECT_EQ(s.find_first_not_of("0123456789abcdef", 4), std::string::npos) << s;
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(NewSecret("").size(), 40u);
}

TEST_F(AuthTest, ScopeNamesRoundTrip) {
  EXPECT_EQ(ScopeFromName("read"), kScopeRead);
  EXPECT_EQ(ScopeFromName("write"), kScopeWrite);
  EXPECT_EQ(ScopeFromName("schema"), kScopeSchema);
  EXPECT_EQ(ScopeFromName("admin"), kScopeAdmin);
  EXPECT_EQ(ScopeFromName("READ"), 0);
  EXPECT_EQ(ScopeFromName("owner"), 0);
  EXPECT_EQ(ScopeNames(kScopeRead | kScopeAdmin), (std::vector<std::string>{"read", "admin"}));
  EXPECT_TRUE(ScopeNames(0).empty());
}

TEST_F(AuthTest, ConfiguredAdminTokenAuthenticatesThroughEveryHeader) {
  Authenticator auth(store_.get(), std::string("operator-secret"));
  for (const Request& req : {WithHeader("Authorization", "Bearer operator-secret"),
                             WithHeader("Authorization", "bearer operator-secret"),
                             WithHeader("SlashID-API-Key", "operator-secret"),
                             WithHeader("X-Auth-Token", "operator-secret")}) {
    auto who = AuthenticateWith(auth, req);
    ASSERT_TRUE(who.ok()) << who.status().ToString();
    EXPECT_TRUE(who->operator_admin);
    EXPECT_EQ(who->org_id, "");
    EXPECT_EQ(who->scopes, kScopeRead | kScopeWrite | kScopeSchema | kScopeAdmin);
  }
}

TEST_F(AuthTest, MissingOrUnknownKeyIsUnauthenticated) {
  Authenticator auth(store_.get(), std::string("operator-secret"));
  for (const Request& req :
       {Request{http::verb::get, "/", 11}, WithHeader("Authorization", "Bearer wrong"),
        WithHeader("Authorization", "Basic b3BlcmF0b3Itc2VjcmV0"),
        WithHeader("Authorization", "Bearer "), WithHeader("Authorization", "operator-secret"),
        WithHeader("SlashID-API-Key", "operator-secre"), WithHeader("X-Auth-Token", "")}) {
    auto who = AuthenticateWith(auth, req);
    ASSERT_FALSE(who.ok());
    EXPECT_EQ(who.status().code(), Status::Code::kUnauthenticated) << who.status().ToString();
  }
}

TEST_F(AuthTest, WithAConfiguredTokenNoAdminKeyIsGenerated) {
  Authenticator auth(store_.get(), std::string("operator-secret"));
  auto key = auth.EnsureAdminKey();
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(key->has_value());
  auto txn = store_->Read();
  ASSERT_TRUE(txn.ok());
  auto stored = storage::GetAnyRecord(
      *txn, storage::DataKey(storage::kSystemTenant, kOperatorNs, "admin_key_sha256"));
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());
}

TEST_F(AuthTest, GeneratedAdminKeyIsReturnedOnceAndAuthenticatesAsOperator) {
  Authenticator auth(store_.get(), std::nullopt);
  auto first = auth.EnsureAdminKey();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->has_value());
  const std::string key = **first;
  EXPECT_EQ(key.rfind("mrd_admin_", 0), 0u);
  auto second = auth.EnsureAdminKey();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());

  // Only the hash is stored.
  {
    auto txn = store_->Read();
    ASSERT_TRUE(txn.ok());
    auto stored = storage::GetLiveRecord(
        *txn, storage::DataKey(storage::kSystemTenant, kOperatorNs, "admin_key_sha256"));
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->value(), Sha256Hex(key));
  }
  auto who = AuthenticateWith(auth, WithHeader("Authorization", "Bearer " + key));
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  EXPECT_TRUE(who->operator_admin);
  // A restarted node (a new authenticator) accepts it too, and generates nothing new.
  Authenticator restarted(store_.get(), std::nullopt);
  auto again = restarted.EnsureAdminKey();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_TRUE(AuthenticateWith(restarted, WithHeader("X-Auth-Token", key)).ok());
  EXPECT_FALSE(AuthenticateWith(restarted, WithHeader("X-Auth-Token", key + "x")).ok());
}

TEST_F(AuthTest, EmptyConfiguredTokenMeansNoneIsConfigured) {
  Authenticator auth(store_.get(), std::string(""));
  auto key = auth.EnsureAdminKey();
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->has_value());
  EXPECT_FALSE(AuthenticateWith(auth, WithHeader("X-Auth-Token", "")).ok());
}

TEST_F(AuthTest, StoredApiKeyAuthenticatesWithItsOrganizationAndScopes) {
  ASSERT_TRUE(CreateOrg(kOrg).ok());
  const std::string secret = CreateKey(kOrg, "[\"read\",\"write\"]", "key-42");
  Authenticator auth(store_.get(), std::string("operator-secret"));
  for (const Request& req :
       {WithHeader("Authorization", "Bearer " + secret), WithHeader("SlashID-API-Key", secret),
        WithHeader("X-Auth-Token", secret)}) {
    auto who = AuthenticateWith(auth, req);
    ASSERT_TRUE(who.ok()) << who.status().ToString();
    EXPECT_FALSE(who->operator_admin);
    EXPECT_EQ(who->org_id, kOrg);
    EXPECT_EQ(who->key_id, "key-42");
    EXPECT_EQ(who->scopes, kScopeRead | kScopeWrite);
  }
}

TEST_F(AuthTest, UnknownScopeNamesInARecordGrantNothing) {
  const std::string secret = CreateKey(kOrg, "[\"read\",\"superuser\",7]");
  Authenticator auth(store_.get(), std::nullopt);
  auto who = AuthenticateWith(auth, WithHeader("X-Auth-Token", secret));
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->scopes, kScopeRead);
}

TEST_F(AuthTest, DeletedApiKeyNoLongerAuthenticates) {
  const std::string secret = CreateKey(kOrg, "[\"read\"]");
  storage::WriteBatch del;
  del.Delete(storage::DataKey(storage::kSystemTenant, kKeysNs, Sha256Hex(secret)));
  ASSERT_TRUE(Commit(std::move(del)).ok());
  Authenticator auth(store_.get(), std::nullopt);
  auto who = AuthenticateWith(auth, WithHeader("X-Auth-Token", secret));
  ASSERT_FALSE(who.ok());
  EXPECT_EQ(who.status().code(), Status::Code::kUnauthenticated);
}

TEST_F(AuthTest, UndecodableKeyRecordIsCorruptionNotAccess) {
  const std::string secret = "mrd_broken";
  storage::WriteBatch b;
  b.Put(storage::DataKey(storage::kSystemTenant, kKeysNs, Sha256Hex(secret)), "not json");
  ASSERT_TRUE(Commit(std::move(b)).ok());
  Authenticator auth(store_.get(), std::nullopt);
  auto who = AuthenticateWith(auth, WithHeader("X-Auth-Token", secret));
  ASSERT_FALSE(who.ok());
  EXPECT_EQ(who.status().code(), Status::Code::kCorruption);
}

TEST_F(AuthTest, KeyMayActOnItsOwnOrganizationWithinItsScopes) {
  ASSERT_TRUE(CreateOrg(kOrg).ok());
  ASSERT_TRUE(CreateOrg(kOtherOrg).ok());
  const std::string secret = CreateKey(kOrg, "[\"read\",\"write\"]");
  Authenticator auth(store_.get(), std::nullopt);
  auto who = AuthenticateWith(auth, WithHeader("X-Auth-Token", secret));
  ASSERT_TRUE(who.ok());
  EXPECT_TRUE(AuthorizeWith(auth, *who, kOrg, kScopeRead).ok());
  EXPECT_TRUE(AuthorizeWith(auth, *who, kOrg, kScopeWrite).ok());
  EXPECT_TRUE(AuthorizeWith(auth, *who, kOrg, kScopeSchema).IsPermissionDenied());
  EXPECT_TRUE(AuthorizeWith(auth, *who, kOrg, kScopeAdmin).IsPermissionDenied());
  EXPECT_TRUE(AuthorizeWith(auth, *who, kOtherOrg, kScopeRead).IsPermissionDenied());
  // A foreign organization is refused even if it does not exist (no existence oracle).
  EXPECT_TRUE(AuthorizeWith(auth, *who, "no-such-org", kScopeRead).IsPermissionDenied());
}

TEST_F(AuthTest, OperatorMayActOnAnyExistingOrganization) {
  ASSERT_TRUE(CreateOrg(kOrg).ok());
  Authenticator auth(store_.get(), std::string("operator-secret"));
  auto who = AuthenticateWith(auth, WithHeader("X-Auth-Token", "operator-secret"));
  ASSERT_TRUE(who.ok());
  EXPECT_TRUE(AuthorizeWith(auth, *who, kOrg, kScopeAdmin).ok());
  EXPECT_TRUE(AuthorizeWith(auth, *who, kOrg, kScopeSchema).ok());
  EXPECT_TRUE(AuthorizeWith(auth, *who, kOtherOrg, kScopeRead).IsNotFound());
}

TEST_F(AuthTest, OrgExistsFollowsCreateAndDelete) {
  Authenticator auth(store_.get(), std::nullopt);
  auto exists = [&] {
    auto txn = store_->Read();
    auto r = auth.OrgExists(kOrg, *txn);
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_FALSE(exists());
  ASSERT_TRUE(CreateOrg(kOrg).ok());
  EXPECT_TRUE(exists());
  storage::WriteBatch del;
  del.Delete(storage::DataKey(storage::kSystemTenant, kOrgsNs, kOrg));
  ASSERT_TRUE(Commit(std::move(del)).ok());
  EXPECT_FALSE(exists());
}

}  // namespace
}  // namespace meridian::api
