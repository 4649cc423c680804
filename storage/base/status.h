// Status: the one error type of Meridian (leveldb's shape). OK carries no allocation; an error
// carries a code and a message. Result<T> holds a value or a non-OK Status, shaped like
// std::expected so a later switch is mechanical. Value types; thread-compatible.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace meridian {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,
    kInvalidArgument,
    kConflict,
    kPermissionDenied,
    kUnauthenticated,
    kResourceExhausted,
    kTimeout,
    kUnavailable,
    kCorruption,
    kIOError,
    kInternal,
  };

  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status NotFound(std::string_view m) { return Status(Code::kNotFound, m); }
  static Status InvalidArgument(std::string_view m) { return Status(Code::kInvalidArgument, m); }
  static Status Conflict(std::string_view m) { return Status(Code::kConflict, m); }
  static Status PermissionDenied(std::string_view m) { return Status(Code::kPermissionDenied, m); }
  static Status Unauthenticated(std::string_view m) { return Status(Code::kUnauthenticated, m); }
  static Status ResourceExhausted(std::string_view m) {
    return Status(Code::kResourceExhausted, m);
  }
  static Status Timeout(std::string_view m) { return Status(Code::kTimeout, m); }
  static Status Unavailable(std::string_view m) { return Status(Code::kUnavailable, m); }
  static Status Corruption(std::string_view m) { return Status(Code::kCorruption, m); }
  static Status IOError(std::string_view m) { return Status(Code::kIOError, m); }
  static Status Internal(std::string_view m) { return Status(Code::kInternal, m); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  const std::string& message() const {
    static const std::string kEmpty;
    return state_ ? state_->message : kEmpty;
  }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsConflict() const { return code() == Code::kConflict; }
  bool IsPermissionDenied() const { return code() == Code::kPermissionDenied; }
  bool IsResourceExhausted() const { return code() == Code::kResourceExhausted; }
  bool IsTimeout() const { return code() == Code::kTimeout; }
  bool IsUnavailable() const { return code() == Code::kUnavailable; }

  // "OK" or "<CodeName>: <message>".
  std::string ToString() const {
    if (ok()) return "OK";
    return std::string(CodeName(code())) + ": " + message();
  }
  static std::string_view CodeName(Code code) {
    switch (code) {
      case Code::kOk:
        return "OK";
      case Code::kNotFound:
        return "NotFound";
      case Code::kInvalidArgument:
        return "InvalidArgument";
      case Code::kConflict:
        return "Conflict";
      case Code::kPermissionDenied:
        return "PermissionDenied";
      case Code::kUnauthenticated:
        return "Unauthenticated";
      case Code::kResourceExhausted:
        return "ResourceExhausted";
      case Code::kTimeout:
        return "Timeout";
      case Code::kUnavailable:
        return "Unavailable";
      case Code::kCorruption:
        return "Corruption";
      case Code::kIOError:
        return "IOError";
      case Code::kInternal:
        return "Internal";
    }
    return "Unknown";
  }

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view message)
      : state_(std::make_shared<const State>(State{code, std::string(message)})) {}
  // Shared and immutable: one failed commit's Status is handed to every waiter of the group.
  std::shared_ptr<const State> state_;
};

// A value or an error. REQUIRES: constructed from a non-OK Status when it holds no value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit, like std::expected
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace meridian

// Returns early from the enclosing function with the Status if it is not OK.
#define MERIDIAN_RETURN_IF_ERROR(expr) \
  do {                                 \
    ::meridian::Status _st = (expr);   \
    if (!_st.ok()) return _st;         \
  } while (0)
