#pragma once

#include <stdexcept>
#include <string>

namespace gate {

// Documented process exit codes; the verdict maps onto the first two, failures onto the rest.
enum ExitCode : int {
  k_exit_pass = 0,
  k_exit_blocked = 1,
  k_exit_usage = 2,
  k_exit_service = 3,
  k_exit_no_verdict = 4,
};

// An operational failure that carries the exit code it ends the run with. Caught once, in app.
class Error : public std::runtime_error {
public:
  Error(int exit_code, const std::string& message)
    : std::runtime_error(message), m_exit_code(exit_code) {}
  int exit_code() const { return m_exit_code; }

private:
  int m_exit_code;
};

// Bad flags, environment, policy or input files: nothing is looked up (exit 2).
class UsageError : public Error {
public:
  explicit UsageError(const std::string& message) : Error(k_exit_usage, message) {}
};

// HSS unreachable, refusing, or answering something unreadable (exit 3).
class ServiceError : public Error {
public:
  explicit ServiceError(const std::string& message) : Error(k_exit_service, message) {}
};

// SIGTERM or SIGINT ended the run: exit 3 with reports, even under --on-error pass.
class Interrupted : public ServiceError {
public:
  explicit Interrupted(const std::string& message) : ServiceError(message) {}
};

} // namespace gate
