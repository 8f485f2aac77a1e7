#pragma once

#include <chrono>
#include <cstdint>
#include <string>

// The network steps below an HSS request, one at a time, for `doctor`: name resolution and a
// TCP connection. Each says what it found, or why it failed, in one line.
namespace gate::hss {

struct StepResult {
  bool ok = false;
  std::string detail;
};

// "resolves to 10.0.0.1, 10.0.0.2", or the resolver's error.
StepResult resolve_host(const std::string& host);

// Opens and closes a TCP connection within the timeout: "connected in 3 ms", or the error.
StepResult connect_tcp(const std::string& host, std::uint16_t port, std::chrono::seconds timeout);

} // namespace gate::hss
