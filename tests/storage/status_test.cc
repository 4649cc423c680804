// Tests of the one error type (storage/base/status.h): OK versus errors, codes and predicates,
// ToString, shared error state, Result<T> value/error access, MERIDIAN_RETURN_IF_ERROR.
#include "storage/base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace meridian {
namespace {

class StatusTest : public ::testing::Test {
 protected:
  using Code = Status::Code;
};

TEST_F(StatusTest, DefaultStatusIsOkWithNoMessage) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.code(), Code::kOk);
  EXPECT_EQ(st.message(), "");
  EXPECT_EQ(st.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_FALSE(st.IsNotFound());
}

TEST_F(StatusTest, EachFactoryGivesItsCodeNameAndMessage) {
  struct Case {
    Status st;
    Code code;
    const char* name;
  };
  const std::vector<Case> cases = {
      {Status::NotFound("m"), Code::kNotFound, "NotFound"},
      {Status::InvalidArgument("m"), Code::kInvalidArgument, "InvalidArgument"},
      {Status::Conflict("m"), Code::kConflict, "Conflict"},
      {Status::PermissionDenied("m"), Code::kPermissionDenied, "PermissionDenied"},
      {Status::Unauthenticated("m"), Code::kUnauthenticated, "Unauthenticated"},
      {Status::ResourceExhausted("m"), Code::kResourceExhausted, "ResourceExhausted"},
      {Status::Timeout("m"), Code::kTimeout, "Timeout"},
      {Status::Unavailable("m"), Code::kUnavailable, "Unavailable"},
      {Status::Corruption("m"), Code::kCorruption, "Corruption"},
      {Status::IOError("m"), Code::kIOError, "IOError"},
      {Status::Internal("m"), Code::kInternal, "Internal"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(c.st.ok()) << c.name;
    EXPECT_EQ(c.st.code(), c.code) << c.name;
    EXPECT_EQ(c.st.message(), "m") << c.name;
    EXPECT_EQ(Status::CodeName(c.code), c.name);
    EXPECT_EQ(c.st.ToString(), std::string(c.name) + ": m");
  }
  EXPECT_EQ(Status::CodeName(Code::kOk), "OK");
}

TEST_F(StatusTest, PredicatesMatchOnlyTheirOwnCode) {
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::InvalidArgument("x").IsInvalidArgument());
  EXPECT_TRUE(Status::Conflict("x").IsConflict());
  EXPECT_TRUE(Status::PermissionDenied("x").IsPermissionDenied());
  EXPECT_TRUE(Status::ResourceExhausted("x").IsResourceExhausted());
  EXPECT_TRUE(Status::Timeout("x").IsTimeout());
  EXPECT_TRUE(Status::Unavailable("x").IsUnavailable());
  const Status other = Status::Internal("x");
  EXPECT_FALSE(other.IsNotFound() || other.IsInvalidArgument() || other.IsConflict() ||
               other.IsPermissionDenied() || other.IsResourceExhausted() || other.IsTimeout() ||
               other.IsUnavailable());
  // Unauthenticated is not PermissionDenied (401 versus 403).
  EXPECT_FALSE(Status::Unauthenticated("x").IsPermissionDenied());
}

TEST_F(StatusTest, AnErrorMayCarryAnEmptyOrBinaryMessage) {
  EXPECT_EQ(Status::IOError("").ToString(), "IOError: ");
  const std::string binary("a\0b", 3);
  EXPECT_EQ(Status::Corruption(binary).message(), binary);
}

TEST_F(StatusTest, CopiesShareTheSameErrorAndStayValid) {
  Status copy;
  {
    Status original = Status::Unavailable("disk gone");
    copy = original;
    Status moved = std::move(original);
    EXPECT_EQ(moved.ToString(), "Unavailable: disk gone");
  }
  EXPECT_EQ(copy.ToString(), "Unavailable: disk gone");
  copy = Status::Ok();
  EXPECT_TRUE(copy.ok());
}

TEST_F(StatusTest, ResultHoldsAValue) {
  Result<std::string> r = std::string("value");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(*r, "value");
  EXPECT_EQ(r.value(), "value");
  EXPECT_EQ(r->size(), 5u);
  r->append("!");
  EXPECT_EQ(*r, "value!");
  std::string taken = std::move(r).value();
  EXPECT_EQ(taken, "value!");
}

TEST_F(StatusTest, ResultHoldsAnError) {
  Result<int> r = Status::NotFound("no such key");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(r.status().message(), "no such key");
}

TEST_F(StatusTest, ResultHoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(*r);
  EXPECT_EQ(*p, 7);
}

int g_evaluations = 0;

Status Step(Status st) {
  g_evaluations++;
  return st;
}

Status TwoSteps(Status first, Status second, bool& reached_end) {
  MERIDIAN_RETURN_IF_ERROR(Step(first));
  MERIDIAN_RETURN_IF_ERROR(Step(second));
  reached_end = true;
  return Status::Ok();
}

Result<int> ValueAfter(Status first) {
  MERIDIAN_RETURN_IF_ERROR(Step(first));
  return 42;
}

TEST_F(StatusTest, ReturnIfErrorContinuesOnOkAndReturnsTheFirstError) {
  g_evaluations = 0;
  bool reached = false;
  EXPECT_TRUE(TwoSteps(Status::Ok(), Status::Ok(), reached).ok());
  EXPECT_TRUE(reached);
  EXPECT_EQ(g_evaluations, 2);

  g_evaluations = 0;
  reached = false;
  Status st = TwoSteps(Status::Conflict("first"), Status::Timeout("second"), reached);
  EXPECT_EQ(st.ToString(), "Conflict: first");
  EXPECT_FALSE(reached);
  EXPECT_EQ(g_evaluations, 1);  // the expression runs once; nothing after the error runs

  g_evaluations = 0;
  st = TwoSteps(Status::Ok(), Status::Timeout("second"), reached);
  EXPECT_TRUE(st.IsTimeout());
  EXPECT_FALSE(reached);
  EXPECT_EQ(g_evaluations, 2);
}

TEST_F(StatusTest, ReturnIfErrorWorksInFunctionsReturningResult) {
  auto ok = ValueAfter(Status::Ok());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  auto bad = ValueAfter(Status::IOError("eio"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().ToString(), "IOError: eio");
}

}  // namespace
}  // namespace meridian
