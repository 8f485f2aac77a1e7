#pragma once

#include "gate/hss/transport.hpp"

#include <cstdint>
#include <optional>
#include <string>

// Which proxy, if any, a request to the endpoint goes through: HTTPS_PROXY / HTTP_PROXY by the
// endpoint's scheme, NO_PROXY exceptions, and never a proxy for plain HTTP (which only ever goes
// to loopback, and would hand the credentials to the proxy in clear text).
namespace gate::hss {

struct ProxyServer {
  std::string host;
  std::uint16_t port = 0;
  std::string username; // decoded; never printed
  std::string password; // decoded; never printed
};

struct ProxyChoice {
  std::optional<ProxyServer> proxy; // nullopt: connect directly
  std::string reason;               // why, without credentials
};

// Throws UsageError for a proxy URL it cannot use (parse_server_url: at most its scheme, host and
// port are shown, never its user information).
ProxyChoice choose_proxy(const EndpointUrl& endpoint, const ProxySettings& settings);

// NO_PROXY: comma-separated hosts or domain suffixes (".example.com" or "example.com"), an
// optional :port ignored; "*" matches every host.
bool bypasses_proxy(const std::string& host, const std::string& no_proxy);

} // namespace gate::hss
