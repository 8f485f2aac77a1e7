#include "gate/hss/reachability.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/HostEntry.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <fmt/format.h>

namespace gate::hss {

StepResult resolve_host(const std::string& host) {
  try {
    Poco::Net::HostEntry entry = Poco::Net::DNS::resolve(host);
    std::vector<std::string> addresses;
    for (const auto& address : entry.addresses()) addresses.push_back(address.toString());
    if (addresses.empty()) return {false, fmt::format("{} has no address", host)};
    return {true, fmt::format("{} resolves to {}", host, fmt::join(addresses, ", "))};
  } catch (const Poco::Exception& e) {
    return {false, fmt::format("{} does not resolve: {}", host, e.displayText())};
  }
}

StepResult connect_tcp(const std::string& host, std::uint16_t port, std::chrono::seconds timeout) {
  auto started = std::chrono::steady_clock::now();
  try {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(host, port), Poco::Timespan(static_cast<long>(timeout.count()), 0));
    socket.close();
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return {true, fmt::format("connected to {}:{} in {} ms", host, port, took.count())};
  } catch (const Poco::Exception& e) {
    return {false, fmt::format("cannot connect to {}:{}: {}", host, port, e.displayText())};
  }
}

} // namespace gate::hss
