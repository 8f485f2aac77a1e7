#pragma once

#include "gate/hss/signer.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gate {
class Clock;
}

// One transport for every HSS endpoint: credentials and signing, TLS, proxies, retries with
// backoff and Retry-After, per-request deadlines and the body cap. It knows no endpoint: the
// files beside it (cicd_images.*) say which path to ask and how to read the answer.
namespace gate::hss {

// Either an IAM token, or an AK/SK pair (with a security token for temporary credentials).
struct Credentials {
  std::string auth_token;
  std::string access_key;
  std::string secret_key;
  std::string security_token;
  bool empty() const { return auth_token.empty() && (access_key.empty() || secret_key.empty()); }
};

// An endpoint URL reduced to what a connection needs: scheme://host[:port], nothing else.
struct EndpointUrl {
  std::string scheme; // "https" or "http"
  std::string host;
  std::uint16_t port = 443;
  std::string str() const; // "https://host" or "https://host:8443"
};

// Parses --endpoint. Throws UsageError (naming `origin`) for anything but http(s)://host[:port]
// with no path, query or user information; a URL with user information is shown redacted.
EndpointUrl parse_endpoint_url(const std::string& text, const std::string& origin);

// "https://hss.REGION.myhuaweicloud.com", or ".eu" for eu-west-101.
EndpointUrl endpoint_for_region(const std::string& region);

// The region an HSS host names: "cn-north-4" for hss.cn-north-4.myhuaweicloud.com (or .eu, as
// eu-west-101's is); nullopt for any other host (a proxy, a loopback address, another domain).
std::optional<std::string> region_of_host(const std::string& host);

// True for 127.0.0.0/8, ::1 and localhost: the only hosts that may get credentials over plain HTTP.
bool is_loopback_host(const std::string& host);

// HTTP_PROXY is not among them: plain HTTP goes only to loopback, always directly.
struct ProxySettings {
  std::string https_proxy; // from HTTPS_PROXY / https_proxy
  std::string no_proxy;    // from NO_PROXY / no_proxy
};

struct TransportSettings {
  EndpointUrl endpoint;
  std::string project_id; // fills {project_id} in paths and signs X-Project-Id
  Credentials credentials;
  std::chrono::seconds timeout{30};
  std::optional<std::string> ca_file;
  bool insecure = false;
  ProxySettings proxy;
  bool retry = true; // false: one attempt, for `doctor`, which reports rather than insists
};

struct Request {
  std::string path;      // the template as documented, e.g. /v5/{project_id}/image/{image_id}/vulnerabilities
  Pairs path_parameters; // unencoded values of the template's {name}s besides {project_id}
  Pairs query;           // unencoded
  Pairs headers;         // extra headers an endpoint needs (signed with the rest)
  std::string_view operation = {}; // the API's name in HSS's reference, e.g. ListImageVulnerabilities
  std::string body = {}; // a POST's JSON body
};

// The path as sent and signed: the template's literal segments and each parameter's value
// percent-encoded as one whole segment (a '/' in a value is %2F, never a second segment).
// `project_id` fills {project_id}. Throws ServiceError naming the parameter for a value that
// cannot be one segment (empty, "." or ".."), or for a {name} without a value.
std::string encoded_path(const Request& request, const std::string& project_id);

// The server's certificate, as `doctor` shows it.
struct PeerCertificate {
  std::string subject;
  std::string issuer;
  std::string expires; // ISO date-time
};

struct Response {
  std::string body;
  std::string request_id; // X-Request-Id, for support tickets
  std::string date;       // the Date header, for clock-skew checks
  std::optional<PeerCertificate> certificate; // HTTPS only
};

class Transport {
public:
  virtual ~Transport() = default;
  // Sends a GET, retrying what is worth retrying. Throws ServiceError when HSS refuses or the
  // retries run out, Interrupted when the run is cancelled.
  virtual Response get(const Request& request) = 0;
  // Sends a POST with the request's JSON body (the scan and sync tasks of --trigger-scan), as
  // get() does. A transport that only reads (a replay) throws ServiceError.
  virtual Response post(const Request& request);
};

// Throws UsageError for settings it cannot use (credentials over plain HTTP, a bad CA file).
std::unique_ptr<Transport> make_http_transport(const TransportSettings& settings, Clock& clock);

// " (request id X)", or nothing when HSS sent none.
std::string request_id_suffix(const std::string& request_id);

} // namespace gate::hss
