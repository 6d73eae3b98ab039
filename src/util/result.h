// Result<T>: errors are values. An Error carries a code (mapped to a D-Bus name at the
// edge, in src/bus/errors.cpp) and a readable message.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ck {

enum class ErrorCode {
    Failed,
    General,
    InsufficientPermission,
    AuthorizationRequired,
    Busy,
    NotSupported,
    Inhibited,
    InvalidInput,
    OutOfMemory,
    NoSeats,
    NoSessions,
    NothingInhibited,
    NoActiveSession,
    AlreadyActive,
    UnknownObject, // an id or path that names nothing
};

const char* errorCodeName(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::Failed;
    std::string message;
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) { } // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) { } // NOLINT
    Result(ErrorCode code, std::string message) : v_(Error{code, std::move(message)}) { }

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }

    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : err_(std::move(error)), ok_(false) { } // NOLINT
    Result(ErrorCode code, std::string message) : err_{code, std::move(message)}, ok_(false) { }

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const& { return err_; }
    Error&& error() && { return std::move(err_); }

private:
    Error err_;
    bool ok_ = true;
};

} // namespace ck
