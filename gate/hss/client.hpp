#pragma once

#include "gate/hss/record.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace gate::hss {

// Either an IAM token, or an AK/SK pair (with a security token for temporary credentials).
struct Credentials {
  std::string auth_token;
  std::string access_key;
  std::string secret_key;
  std::string security_token;
  bool empty() const { return auth_token.empty() && (access_key.empty() || secret_key.empty()); }
};

struct ProxySettings {
  std::string https_proxy; // from HTTPS_PROXY / https_proxy
  std::string http_proxy;  // from HTTP_PROXY / http_proxy
  std::string no_proxy;    // from NO_PROXY / no_proxy
};

struct ClientSettings {
  std::string endpoint;   // scheme://host[:port]
  std::string project_id;
  Credentials credentials;
  std::chrono::seconds timeout{30};
  std::optional<std::string> ca_file;
  bool insecure = false;
  ProxySettings proxy;
  int max_attempts = 5;
  std::chrono::milliseconds max_retry_wait{30000}; // spent sleeping between attempts, in all
  std::chrono::milliseconds first_backoff{1000};
};

// The list API, one page at a time. The real implementation speaks HTTP(S); tests may fake it.
class Client {
public:
  virtual ~Client() = default;
  // GET /v5/{project_id}/image/cicd/images with the query's filters, `offset` and `limit`.
  // Throws ServiceError after retries are exhausted or on a non-retryable answer.
  virtual Page list_images(const Query& query, std::int64_t offset, int limit) = 0;
  // Requests sent so far, retries included.
  virtual int requests_sent() const = 0;
};

// Throws UsageError for an endpoint it cannot use (bad URL, credentials over plain HTTP).
std::unique_ptr<Client> make_http_client(const ClientSettings& settings);

// True for 127.0.0.0/8, ::1 and localhost: the only hosts that may get credentials over plain HTTP.
bool is_loopback_host(const std::string& host);

// "https://hss.REGION.myhuaweicloud.com", or ".eu" for eu-west-101.
std::string endpoint_for_region(const std::string& region);

} // namespace gate::hss
