#include "gate/hss/proxy.hpp"

#include "gate/error.hpp"

#include <Poco/Exception.h>
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
  static const std::string k_expected = "HTTPS_PROXY: expected a URL such as http://proxy.example:3128";
  Poco::URI uri;
  try {
    uri = Poco::URI(value.find("://") == std::string::npos ? "http://" + value : value);
  } catch (const Poco::Exception&) {
    throw UsageError(k_expected);
  }
  if (uri.getHost().empty() || (uri.getScheme() != "http" && uri.getScheme() != "https")) throw UsageError(k_expected);
  ProxyServer proxy;
  proxy.host = uri.getHost();
  proxy.port = uri.getPort();
  const std::string& user_info = uri.getUserInfo();
  auto colon = user_info.find(':');
  Poco::URI::decode(user_info.substr(0, colon), proxy.username);
  if (colon != std::string::npos) Poco::URI::decode(user_info.substr(colon + 1), proxy.password);
  std::string reason = fmt::format("HTTPS_PROXY {}:{}{}", proxy.host, proxy.port,
                                   proxy.username.empty() ? "" : " (with credentials)");
  return {proxy, reason};
}

} // namespace gate::hss
