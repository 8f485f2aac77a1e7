#include "gate/hss/transport.hpp"

#include "gate/error.hpp"
#include "gate/text/url.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <fmt/format.h>

#include <cctype>
#include <regex>

namespace gate::hss {

std::string EndpointUrl::str() const {
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? fmt::format("{}://{}", scheme, shown_host) : fmt::format("{}://{}:{}", scheme, shown_host, port);
}

EndpointUrl parse_endpoint_url(const std::string& text, const std::string& origin) {
  std::string shown = text::masked_url(text, text::UrlPath::masked);
  Poco::URI uri;
  try {
    uri = Poco::URI(text);
  } catch (const Poco::Exception&) {
    throw UsageError(fmt::format("{}: expected a URL such as https://hss.example.com, got \"{}\"", origin, shown));
  }
  if (!uri.getUserInfo().empty()) {
    throw UsageError(fmt::format("{}: a URL must not carry credentials, got \"{}\": put them in "
                                 "HSS_GATE_AUTH_TOKEN or HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK",
                                 origin, shown));
  }
  if ((uri.getScheme() != "https" && uri.getScheme() != "http") || uri.getHost().empty() ||
      (!uri.getPath().empty() && uri.getPath() != "/") || !uri.getQuery().empty() || !uri.getFragment().empty()) {
    throw UsageError(fmt::format("{}: expected http(s)://host[:port] with no path, query or fragment (they are not "
                                 "shown: a token there would leak), got \"{}\"",
                                 origin, shown));
  }
  return EndpointUrl{uri.getScheme(), uri.getHost(), uri.getPort()};
}

FetchUrl parse_fetch_url(const std::string& url) {
  std::string shown = text::masked_url(url, text::UrlPath::shown);
  std::string without_fragment = url.substr(0, url.find('#'));
  // Sent as written: only the characters RFC 3986 allows in a URI, so that nothing can change
  // the request line or be read differently by a proxy.
  static const std::string_view k_uri_characters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                                   "-._~:/?#[]@!$&'()*+,;=%";
  if (without_fragment.find_first_not_of(k_uri_characters) != std::string::npos) {
    throw UsageError(fmt::format("{}: expected a URL with spaces, quotes, backslashes, controls and non-ASCII "
                                 "characters percent-encoded",
                                 shown));
  }
  Poco::URI uri;
  try {
    uri = Poco::URI(without_fragment);
  } catch (const Poco::Exception&) {
    throw UsageError(fmt::format("{}: expected a URL such as https://example.org/org.toml", shown));
  }
  if ((uri.getScheme() != "https" && uri.getScheme() != "http") || uri.getHost().empty()) {
    throw UsageError(fmt::format("{}: expected an https:// URL with a host", shown));
  }
  if (!uri.getUserInfo().empty()) {
    throw UsageError(fmt::format("{}: a URL must not carry credentials (they are not shown); serve the file "
                                 "without them, or pass a token in the query, which is never shown",
                                 shown));
  }
  if (uri.getScheme() == "http" && !is_loopback_host(uri.getHost())) {
    throw UsageError(fmt::format("{}: plain HTTP is allowed only to a loopback host; use https://", shown));
  }
  auto authority_end = without_fragment.find_first_of("/?", without_fragment.find("://") + 3);
  std::string target = authority_end == std::string::npos ? "/" : without_fragment.substr(authority_end);
  if (target.front() == '?') target = "/" + target;
  return FetchUrl{EndpointUrl{uri.getScheme(), uri.getHost(), uri.getPort()}, target};
}

EndpointUrl endpoint_for_region(const std::string& region) {
  if (region == "eu-west-101") return {"https", "hss.eu-west-101.myhuaweicloud.eu", 443};
  return {"https", "hss." + region + ".myhuaweicloud.com", 443};
}

std::optional<std::string> region_of_host(const std::string& host) {
  // Host names are case-insensitive; region ids are lower-case (config.cpp checks --region so).
  std::string lower = host;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::regex k_region_host(R"(hss\.([a-z]{2}(?:-[a-z0-9]+)+)\.myhuaweicloud\.(?:com|eu)\.?)");
  std::smatch match;
  if (!std::regex_match(lower, match, k_region_host)) return std::nullopt;
  return match[1].str();
}

bool is_loopback_host(const std::string& host) {
  static const std::regex k_ipv4_loopback(R"(127\.\d{1,3}\.\d{1,3}\.\d{1,3})");
  return host == "localhost" || host == "::1" || host == "[::1]" || std::regex_match(host, k_ipv4_loopback);
}

std::string request_id_suffix(const std::string& request_id) {
  return request_id.empty() ? std::string() : fmt::format(" (request id {})", request_id);
}

} // namespace gate::hss
