#include "gate/hss/transport.hpp"

#include "gate/error.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <fmt/format.h>

#include <cctype>
#include <regex>

namespace gate::hss {

namespace {

// The URL as far as its host and port: user information becomes ***@, and any path, query or
// fragment /***, so that an AK:SK or a ?token=... pasted into it is never echoed.
std::string redacted(const std::string& text) {
  auto scheme_end = text.find("://");
  std::size_t start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  auto authority_end = text.find_first_of("/?#", start);
  std::string authority = text.substr(start, authority_end == std::string::npos ? std::string::npos : authority_end - start);
  auto at = authority.rfind('@');
  if (at != std::string::npos) authority = "***@" + authority.substr(at + 1);
  bool rest = authority_end != std::string::npos && authority_end + 1 < text.size();
  return text.substr(0, start) + authority + (rest ? "/***" : "");
}

} // namespace

std::string EndpointUrl::str() const {
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? fmt::format("{}://{}", scheme, shown_host) : fmt::format("{}://{}:{}", scheme, shown_host, port);
}

EndpointUrl parse_endpoint_url(const std::string& text, const std::string& origin) {
  std::string shown = redacted(text);
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
