#include "gate/hss/transport.hpp"

#include "gate/error.hpp"
#include "gate/text/url.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

namespace gate::hss {

namespace {

// The URL as written, cut into its parts without judging them.
struct UrlParts {
  std::string scheme;                   // lower-case; empty when the text has no "scheme://"
  std::optional<std::string> user_info; // before the authority's last '@'
  std::string host;                     // as written, brackets of an IPv6 address included
  std::optional<std::string> port;      // after the host's ':'
  std::string rest;                     // from the first '/', '?' or '#' after the authority on
};

UrlParts split(const std::string& text) {
  UrlParts parts;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos) return parts;
  parts.scheme = Poco::toLower(text.substr(0, scheme_end));
  std::size_t start = scheme_end + 3;
  auto authority_end = std::min(text.find_first_of("/?#", start), text.size());
  std::string authority = text.substr(start, authority_end - start);
  parts.rest = text.substr(authority_end);
  // The last '@': whatever precedes it is user information, however many '@' it holds.
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    parts.user_info = authority.substr(0, at);
    authority.erase(0, at + 1);
  }
  auto colon = !authority.empty() && authority.front() == '['
                   ? authority.find(':', std::min(authority.find(']'), authority.size()))
                   : authority.find(':');
  parts.host = authority.substr(0, colon);
  if (colon != std::string::npos) parts.port = authority.substr(colon + 1);
  return parts;
}

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string shown_character(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x21 && byte < 0x7F) return fmt::format("'{}'", c);
  if (byte == ' ') return "a space";
  if (byte >= 0x80) {
    return fmt::format("the byte 0x{:02x} (a name outside ASCII is written as punycode, xn--...)", byte);
  }
  return fmt::format("the control character 0x{:02x}", byte);
}

// Why a host is no DNS name (letters, digits and '-' in dot-separated labels of 1-63, 253 in
// all, a trailing dot allowed), no dotted-quad IPv4 address and no [IPv6] address; nullopt when
// it is one of them. What it says names at most one character of the host, never the host.
std::optional<std::string> host_problem(const std::string& host) {
  if (host.empty()) return "is empty";
  if (host.front() == '[') {
    bool ipv6_characters = host.size() > 2 && host.back() == ']' &&
                           std::all_of(host.begin() + 1, host.end() - 1, [](unsigned char c) {
                             return std::isxdigit(c) || c == ':' || c == '.';
                           });
    Poco::Net::IPAddress address;
    if (!ipv6_characters || !Poco::Net::IPAddress::tryParse(host.substr(1, host.size() - 2), address) ||
        address.family() != Poco::Net::IPAddress::IPv6) {
      return "is not an IPv6 address in brackets";
    }
    return std::nullopt;
  }
  auto bad = std::find_if(host.begin(), host.end(),
                          [](unsigned char c) { return !std::isalnum(c) && c != '-' && c != '.'; });
  if (bad != host.end()) return "holds " + shown_character(*bad) + ", which no DNS name or IP address holds";
  std::string name = host.back() == '.' ? host.substr(0, host.size() - 1) : host;
  if (name.size() > 253) return "is longer than a DNS name's 253 characters";
  std::vector<std::string> labels;
  for (std::size_t start = 0;;) {
    auto dot = name.find('.', start);
    labels.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& label : labels) {
    if (label.empty()) return "has an empty label (two dots, or a dot first)";
    if (label.size() > 63) return "has a label longer than 63 characters";
    if (label.front() == '-' || label.back() == '-') return "has a label that starts or ends with '-'";
  }
  // A name whose last label is a number is meant as an IPv4 address: four numbers 0-255, written
  // without leading zeros (which some resolvers read as octal).
  if (is_digits(labels.back())) {
    auto octet = [](const std::string& part) {
      return is_digits(part) && part.size() <= 3 && (part.size() == 1 || part.front() != '0') && std::stoi(part) <= 255;
    };
    bool ipv4 = labels.size() == 4 && host.back() != '.' && std::all_of(labels.begin(), labels.end(), octet);
    if (!ipv4) return "is not an IPv4 address (four numbers 0-255)";
  }
  return std::nullopt;
}

std::optional<std::uint16_t> port_number(const std::string& port) {
  if (!is_digits(port) || port.size() > 5) return std::nullopt;
  int value = std::stoi(port);
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// What an error may show of the URL: its scheme, a host and port that passed the checks, and
// *** for anything else, so that neither a secret pasted into it nor a line break is echoed.
std::string shown(const UrlParts& parts) {
  bool http = parts.scheme == "https" || parts.scheme == "http";
  std::string out = http ? parts.scheme + "://" : "***://";
  if (parts.user_info) out += "***@";
  bool host_ok = !host_problem(parts.host);
  out += host_ok ? Poco::toLower(parts.host) : "***";
  if (parts.port) out += host_ok && port_number(*parts.port) ? ":" + *parts.port : ":***";
  if (!parts.rest.empty() && parts.rest != "/") out += "/***";
  return out;
}

} // namespace

std::string EndpointUrl::str() const {
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? fmt::format("{}://{}", scheme, shown_host) : fmt::format("{}://{}:{}", scheme, shown_host, port);
}

ServerUrl parse_server_url(const std::string& text, const std::string& origin, UserInfo user_info) {
  static constexpr std::string_view k_form = "http(s)://HOST[:PORT], HOST a DNS name, an IPv4 address or [an IPv6 "
                                             "address] and PORT 1-65535";
  UrlParts parts = split(text);
  if (parts.scheme != "https" && parts.scheme != "http") {
    throw UsageError(fmt::format("{}: expected {}; the value does not start with https:// or http:// (it is not "
                                 "shown: it may hold a secret)",
                                 origin, k_form));
  }
  if (parts.user_info && user_info == UserInfo::refused) {
    throw UsageError(fmt::format("{}: a URL must not carry credentials, got \"{}\": put them in "
                                 "HSS_GATE_AUTH_TOKEN or HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK",
                                 origin, shown(parts)));
  }
  if (auto problem = host_problem(parts.host)) {
    throw UsageError(fmt::format("{}: expected {}; the host {} (the URL is not shown: it may hold a secret)", origin,
                                 k_form, *problem));
  }
  std::uint16_t port = parts.scheme == "https" ? 443 : 80;
  if (parts.port) {
    auto number = port_number(*parts.port);
    if (!number) {
      throw UsageError(fmt::format("{}: expected {}; the port is not a number from 1 to 65535, got \"{}\"", origin,
                                   k_form, shown(parts)));
    }
    port = *number;
  }
  if (!parts.rest.empty() && parts.rest != "/") {
    throw UsageError(fmt::format("{}: expected http(s)://host[:port] with no path, query or fragment (they are not "
                                 "shown: a token there would leak), got \"{}\"",
                                 origin, shown(parts)));
  }
  std::string host = Poco::toLower(parts.host);
  if (host.front() == '[') host = host.substr(1, host.size() - 2);
  return {EndpointUrl{parts.scheme, host, port}, parts.user_info.value_or("")};
}

EndpointUrl parse_endpoint_url(const std::string& text, const std::string& origin) {
  return parse_server_url(text, origin, UserInfo::refused).server;
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
  // The same host and port rules as the endpoint's: Poco accepts hosts such as "a;b".
  UrlParts parts = split(without_fragment);
  if (auto problem = host_problem(parts.host)) {
    throw UsageError(fmt::format("{}: expected a host that is a DNS name, an IPv4 address or [an IPv6 address]; the "
                                 "host {}",
                                 text::masked_url(url, text::UrlPath::masked), *problem));
  }
  if (parts.port && !port_number(*parts.port)) {
    throw UsageError(fmt::format("{}: expected a port from 1 to 65535", text::masked_url(url, text::UrlPath::masked)));
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
