#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gate {

// Documented process exit codes; the verdict maps onto the first two, failures onto the rest.
enum ExitCode : int {
  k_exit_pass = 0,
  k_exit_blocked = 1,
  k_exit_usage = 2,
  k_exit_service = 3,
  k_exit_no_verdict = 4,
};

// The range --warnings-exit takes: above the documented codes, below the shell's 126-255 (not
// executable, not found, killed by a signal).
inline constexpr int k_min_warnings_exit = 5;
inline constexpr int k_max_warnings_exit = 125;

// An operational failure that carries the exit code it ends the run with. Caught once, in app.
// It holds one message, or several found at once (every problem of the policy files): app prints
// each message on a line of its own, and what() joins them with line breaks.
class Error : public std::runtime_error {
public:
  Error(int exit_code, const std::string& message)
    : std::runtime_error(message), m_exit_code(exit_code),
      m_messages(std::make_shared<const std::vector<std::string>>(1, message)) {}
  Error(int exit_code, std::vector<std::string> messages)
    : std::runtime_error(joined(messages)), m_exit_code(exit_code),
      m_messages(std::make_shared<const std::vector<std::string>>(std::move(messages))) {}
  int exit_code() const { return m_exit_code; }
  const std::vector<std::string>& messages() const { return *m_messages; }

private:
  static std::string joined(const std::vector<std::string>& messages) {
    std::string text;
    for (std::size_t i = 0; i < messages.size(); ++i) text += (i == 0 ? "" : "\n") + messages[i];
    return text;
  }

  int m_exit_code;
  std::shared_ptr<const std::vector<std::string>> m_messages; // shared: copying an exception must not throw
};

// Bad flags, environment, policy or input files: nothing is looked up (exit 2).
class UsageError : public Error {
public:
  explicit UsageError(const std::string& message) : Error(k_exit_usage, message) {}
  explicit UsageError(std::vector<std::string> messages) : Error(k_exit_usage, std::move(messages)) {}
};

// Why HSS did not answer as asked, classified where the failure happens (the transport, the
// JSON reader) so that whoever must tell causes apart reads this, never the message text.
enum class ServiceCause {
  other,              // anything not classified below (a page bound, a missing image_id)
  network,            // no connection, a timeout, a connection cut before the whole answer
  tls,                // the TLS handshake failed: an unknown CA, an expired or mismatched certificate
  authentication,     // HTTP 401: the token or the AK/SK signature was refused
  forbidden,          // HTTP 403: the credentials lack a permission, or the project id is wrong
  http_status,        // any other refusing HTTP status (3xx, 4xx, 5xx); see http_status()
  malformed_response, // an answer that is not the documented JSON, or too large to read
};

// "network", "tls", ...: for messages and tests.
inline std::string_view name_of(ServiceCause cause) {
  switch (cause) {
  case ServiceCause::other: return "other";
  case ServiceCause::network: return "network";
  case ServiceCause::tls: return "tls";
  case ServiceCause::authentication: return "authentication";
  case ServiceCause::forbidden: return "forbidden";
  case ServiceCause::http_status: return "http_status";
  case ServiceCause::malformed_response: return "malformed_response";
  }
  return "other";
}

// HSS unreachable, refusing, or answering something unreadable (exit 3). Workers may catch it and
// record it against the image or list it concerns.
class ServiceError : public Error {
public:
  explicit ServiceError(const std::string& message, ServiceCause cause = ServiceCause::other, int http_status = 0,
                        std::string operation = {})
    : Error(k_exit_service, message), m_cause(cause), m_http_status(http_status), m_operation(std::move(operation)) {}
  ServiceCause cause() const { return m_cause; }
  // The HTTP status HSS answered with, or 0 when it answered none (network, TLS, ...).
  int http_status() const { return m_http_status; }
  // The HSS API that failed, as the API reference names it ("ListCicdImages"); empty when unknown.
  // What a 403 needs said: IAM grants each API on its own.
  const std::string& operation() const { return m_operation; }
  // The same failure told with more context (a request id, a file name): the cause stays.
  ServiceError reworded(const std::string& message) const {
    return ServiceError(message, m_cause, m_http_status, m_operation);
  }

private:
  ServiceCause m_cause;
  int m_http_status;
  std::string m_operation;
};

// SIGTERM or SIGINT ended the run: exit 3 with reports, even under --on-error pass. Not an
// Error, the way ccache keeps core::Fatal apart from core::Error: no catch of a service error
// (or of any operational failure) in a worker can take it, so it always reaches app.
class Interrupted : public std::runtime_error {
public:
  explicit Interrupted(const std::string& message) : std::runtime_error(message) {}
  static constexpr int exit_code() { return k_exit_service; }
};

} // namespace gate
