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

// Whether a URL may carry user information: a proxy's, never an endpoint's.
enum class UserInfo { refused, allowed };

// A URL the gate connects to: the server, and the user information as written (percent-encoded).
struct ServerUrl {
  EndpointUrl server;
  std::string user_info; // never printed
};

// Parses every URL the gate connects to (--endpoint, HTTPS_PROXY), strictly:
// http(s)://[user-info@]host[:port][/], the host a DNS name (letters, digits, '-', '.'), a dotted
// IPv4 address or a bracketed IPv6 address, the port 1-65535, nothing after it. Throws
// UsageError naming `origin` and the problem; it shows the scheme, and a host and port only once
// they passed, never user information, a path, a query or a fragment (*** for each), so that a
// token pasted into the URL is never echoed, nor a line break.
ServerUrl parse_server_url(const std::string& text, const std::string& origin, UserInfo user_info);

// parse_server_url for --endpoint: no user information.
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
  std::string https_proxy_origin = "HTTPS_PROXY"; // which name gave https_proxy, for errors
};

// What every request of a run shares, to HSS or to a policy base's URL: TLS trust, the proxy,
// the per-request deadline and whether to retry.
struct ClientSettings {
  std::chrono::seconds timeout{30};
  std::optional<std::string> ca_file;
  bool insecure = false;
  ProxySettings proxy;
  bool retry = true; // false: one attempt, for `doctor`, which reports rather than insists
};

struct TransportSettings : ClientSettings {
  EndpointUrl endpoint;
  std::string project_id; // fills {project_id} in paths and signs X-Project-Id
  Credentials credentials;
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

struct RunRetryBudget; // retry.hpp

// Throws UsageError for settings it cannot use (credentials over plain HTTP, a bad CA file).
// `run` is the run's retry waiting, when other clients share it (a new budget when null).
std::unique_ptr<Transport> make_http_transport(const TransportSettings& settings, Clock& clock,
                                               std::shared_ptr<RunRetryBudget> run = nullptr);

// A URL a policy base is fetched from: https://host[:port]/path[?query], or plain http:// to a
// loopback host only (the endpoint's rule), never with user information.
struct FetchUrl {
  EndpointUrl origin;
  std::string target; // the path and query as written, sent as they are ("/" when empty)
};

// Throws UsageError naming the URL as text::masked_url shows it (never its user information or
// query): another scheme, no host, plain HTTP outside loopback, user information, or characters
// that must be percent-encoded (spaces, controls, anything outside ASCII). The fragment is dropped.
FetchUrl parse_fetch_url(const std::string& url);

// Plain GETs of whole URLs, for policy bases that `extends` names by URL: the same client as
// HSS's requests (TLS and --ca-file, HTTPS_PROXY and NO_PROXY, --timeout, retries of what is worth
// retrying within the run's retry budget), but without any credential, signature or HSS header.
class UrlFetcher {
public:
  virtual ~UrlFetcher() = default;
  // The body of a 2xx answer. Throws UsageError for a URL parse_fetch_url refuses, ServiceError
  // for any failure (no connection, TLS, a status other than 2xx: redirects are not followed, a
  // body over max_bytes), Interrupted when the run is cancelled. Messages never repeat the URL:
  // the caller names it, masked.
  virtual std::string get(const std::string& url, std::size_t max_bytes) = 0;
};

// Connections are made on the first get(), so a fetcher that is never used costs nothing and
// a bad CA file or proxy is reported by the get() that needs it.
std::unique_ptr<UrlFetcher> make_url_fetcher(const ClientSettings& settings, Clock& clock,
                                             std::shared_ptr<RunRetryBudget> run = nullptr);

// " (request id X)", or nothing when HSS sent none.
std::string request_id_suffix(const std::string& request_id);

} // namespace gate::hss
