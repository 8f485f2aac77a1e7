#include "gate/hss/proxy.hpp"

#include "gate/error.hpp"

#include <Poco/String.h>
#include <Poco/URI.h>
#include <fmt/format.h>

namespace gate::hss {

bool bypasses_proxy(const std::string& host, const std::string& no_proxy) {
  std::size_t start = 0;
  while (start <= no_proxy.size()) {
    auto end = no_proxy.find(',', start);
    if (end == std::string::npos) end = no_proxy.size();
    std::string entry = Poco::trim(no_proxy.substr(start, end - start));
    start = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    auto colon = entry.find(':');
    if (colon != std::string::npos && entry.find(':', colon + 1) == std::string::npos) entry.resize(colon);
    if (entry.front() == '.') entry.erase(0, 1);
    if (Poco::icompare(host, entry) == 0) return true;
    if (host.size() > entry.size() && Poco::icompare(host.substr(host.size() - entry.size()), entry) == 0 &&
        host[host.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

ProxyChoice choose_proxy(const EndpointUrl& endpoint, const ProxySettings& settings) {
  if (endpoint.scheme != "https") {
    return {std::nullopt, "plain HTTP (loopback only) is never sent through a proxy"};
  }
  if (settings.https_proxy.empty()) return {std::nullopt, "no HTTPS_PROXY is set"};
  if (bypasses_proxy(endpoint.host, settings.no_proxy)) return {std::nullopt, "NO_PROXY lists the endpoint's host"};
  const std::string& value = settings.https_proxy;
  // The same strict check as --endpoint's, with user information allowed; a proxy URL may hold a
  // password, so errors show no more of it than that check does.
  ServerUrl url = parse_server_url(value.find("://") == std::string::npos ? "http://" + value : value,
                                   settings.https_proxy_origin, UserInfo::allowed);
  ProxyServer proxy;
  proxy.host = url.server.host;
  proxy.port = url.server.port;
  auto colon = url.user_info.find(':');
  Poco::URI::decode(url.user_info.substr(0, colon), proxy.username);
  if (colon != std::string::npos) Poco::URI::decode(url.user_info.substr(colon + 1), proxy.password);
  std::string reason = fmt::format("HTTPS_PROXY {}:{}{}", proxy.host, proxy.port,
                                   proxy.username.empty() ? "" : " (with credentials)");
  return {proxy, reason};
}

} // namespace gate::hss
