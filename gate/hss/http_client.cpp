#include "gate/hss/client.hpp"

#include "gate/error.hpp"
#include "gate/hss/response.hpp"
#include "gate/hss/signer.hpp"
#include "gate/interrupt.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <fmt/format.h>

#include <chrono>
#include <istream>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

namespace gate::hss {

std::string endpoint_for_region(const std::string& region) {
  if (region == "eu-west-101") return "https://hss.eu-west-101.myhuaweicloud.eu";
  return "https://hss." + region + ".myhuaweicloud.com";
}

bool is_loopback_host(const std::string& host) {
  static const std::regex k_ipv4_loopback(R"(127\.\d{1,3}\.\d{1,3}\.\d{1,3})");
  return host == "localhost" || host == "::1" || host == "[::1]" || std::regex_match(host, k_ipv4_loopback);
}

namespace {

using namespace std::chrono;

constexpr std::size_t k_max_body = 16 * 1024 * 1024;

// One attempt's result: an answer with a status, or a transport failure worth retrying.
struct Answer {
  int status = 0;
  std::string reason;
  std::string body;
  std::string request_id;
  std::string retry_after;
  std::string location;
};

class TransportError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct Proxy {
  std::string host;
  Poco::UInt16 port = 0;
  std::string username;
  std::string password;
};

// NO_PROXY: comma-separated hosts or domain suffixes; "*" disables proxying.
bool bypasses_proxy(const std::string& host, const std::string& no_proxy) {
  std::string list = no_proxy;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string entry = Poco::trim(list.substr(start, end - start));
    start = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    auto colon = entry.find(':');
    if (colon != std::string::npos && entry.find(':', colon + 1) == std::string::npos) entry.resize(colon);
    if (entry.front() == '.') entry.erase(0, 1);
    if (host == entry) return true;
    if (host.size() > entry.size() && host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
        host[host.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

std::optional<Proxy> proxy_for(const Poco::URI& endpoint, const ProxySettings& settings) {
  const std::string& value = endpoint.getScheme() == "https" ? settings.https_proxy : settings.http_proxy;
  if (value.empty() || bypasses_proxy(endpoint.getHost(), settings.no_proxy)) return std::nullopt;
  Poco::URI uri;
  try {
    uri = Poco::URI(value.find("://") == std::string::npos ? "http://" + value : value);
  } catch (const Poco::Exception&) {
    // The value may hold credentials: never echo it.
    throw UsageError("HTTPS_PROXY / HTTP_PROXY: expected a URL such as http://proxy.example:3128");
  }
  if (uri.getHost().empty()) throw UsageError("HTTPS_PROXY / HTTP_PROXY: expected a URL such as http://proxy.example:3128");
  Proxy proxy;
  proxy.host = uri.getHost();
  proxy.port = uri.getPort();
  const std::string& user_info = uri.getUserInfo();
  auto colon = user_info.find(':');
  std::string user = user_info.substr(0, colon);
  std::string password = colon == std::string::npos ? "" : user_info.substr(colon + 1);
  Poco::URI::decode(user, proxy.username);
  Poco::URI::decode(password, proxy.password);
  return proxy;
}

// "HSS.0001 invalid parameter" from an HSS or API-gateway error body, when it is one.
std::string error_of(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(body);
    if (root.type() != typeid(Poco::JSON::Object::Ptr)) return {};
    auto object = root.extract<Poco::JSON::Object::Ptr>();
    std::string code = object->optValue<std::string>("error_code", "");
    std::string message = object->optValue<std::string>("error_msg", "");
    if (code.empty() && message.empty()) return {};
    return Poco::trim(code + " " + message);
  } catch (const Poco::Exception&) {
    return {};
  } catch (const std::exception&) {
    return {};
  }
}

class HttpClient : public Client {
public:
  explicit HttpClient(const ClientSettings& settings) : m_settings(settings), m_random(std::random_device{}()) {
    try {
      m_endpoint = Poco::URI(settings.endpoint);
    } catch (const Poco::Exception&) {
      throw UsageError(fmt::format("--endpoint: cannot use \"{}\"", settings.endpoint));
    }
    bool https = m_endpoint.getScheme() == "https";
    if (!https && !is_loopback_host(m_endpoint.getHost())) {
      throw UsageError(fmt::format("--endpoint {}: refusing to send credentials over plain HTTP to a host outside "
                                   "the loopback range; use https://",
                                   settings.endpoint));
    }
    m_proxy = proxy_for(m_endpoint, settings.proxy);
    if (https) m_context = make_context();
  }

  Page list_images(const Query& query, std::int64_t offset, int limit) override {
    Pairs params{{"cicd_name", query.cicd_name},
                 {"image_version", query.image_version},
                 {"limit", std::to_string(limit)},
                 {"offset", std::to_string(offset)}};
    if (query.image_name) params.emplace_back("image_name", *query.image_name);
    if (query.namespace_name) params.emplace_back("namespace", *query.namespace_name);
    if (query.enterprise_project_id) params.emplace_back("enterprise_project_id", *query.enterprise_project_id);
    std::string path = fmt::format("/v5/{}/image/cicd/images", m_settings.project_id);
    Answer answer = send_with_retries(path, params);
    try {
      return parse_page(answer.body);
    } catch (const ServiceError& e) {
      throw ServiceError(fmt::format("{}{}", e.what(), request_id_suffix(answer)));
    }
  }

  int requests_sent() const override { return m_requests; }

private:
  Poco::Net::Context::Ptr make_context() {
    using Poco::Net::Context;
    static std::once_flag ssl_initialized;
    std::call_once(ssl_initialized, [] { Poco::Net::initializeSSL(); });
    // STRICT also checks host names of loopback addresses, which Poco otherwise waves through.
    auto mode = m_settings.insecure ? Context::VERIFY_NONE : Context::VERIFY_STRICT;
    Context::Ptr context;
    try {
      context = new Context(Context::TLS_CLIENT_USE, m_settings.ca_file.value_or(""), mode, 9, true);
    } catch (const Poco::Exception& e) {
      throw UsageError(fmt::format("--ca-file {}: cannot load it: {}", m_settings.ca_file.value_or(""), e.displayText()));
    }
    Poco::Net::Context::InvalidCertificateHandlerPtr handler;
    if (m_settings.insecure) {
      handler = new Poco::Net::AcceptCertificateHandler(false);
    } else {
      handler = new Poco::Net::RejectCertificateHandler(false);
    }
    Poco::Net::SSLManager::instance().initializeClient(nullptr, handler, context);
    return context;
  }

  std::unique_ptr<Poco::Net::HTTPClientSession> open_session() {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (m_context) {
      session = std::make_unique<Poco::Net::HTTPSClientSession>(m_endpoint.getHost(), m_endpoint.getPort(), m_context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(m_endpoint.getHost(), m_endpoint.getPort());
    }
    if (m_proxy) {
      session->setProxy(m_proxy->host, m_proxy->port);
      if (!m_proxy->username.empty()) session->setProxyCredentials(m_proxy->username, m_proxy->password);
    }
    Poco::Timespan timeout(static_cast<long>(m_settings.timeout.count()), 0);
    session->setTimeout(timeout, timeout, timeout);
    return session;
  }

  std::string host_header() const {
    bool default_port = (m_endpoint.getScheme() == "https" && m_endpoint.getPort() == 443) ||
                        (m_endpoint.getScheme() == "http" && m_endpoint.getPort() == 80);
    return default_port ? m_endpoint.getHost() : fmt::format("{}:{}", m_endpoint.getHost(), m_endpoint.getPort());
  }

  Answer send_once(const std::string& path, const Pairs& params) {
    std::string query = canonical_query(params);
    std::string target = canonical_uri(path);
    target.pop_back(); // the trailing '/' is for signing only
    if (!query.empty()) target += "?" + query;

    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, target, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setHost(host_header());
    request.set("Accept", "application/json");
    request.set("User-Agent", fmt::format("hss-gate/{}", HSS_GATE_VERSION));
    const Credentials& credentials = m_settings.credentials;
    if (!credentials.auth_token.empty()) {
      request.set("X-Auth-Token", credentials.auth_token);
    } else {
      SignInput input;
      input.method = "GET";
      input.host = host_header();
      input.path = path;
      input.query = params;
      input.headers = {{"Content-Type", "application/json"}, {"X-Project-Id", m_settings.project_id}};
      if (!credentials.security_token.empty()) input.headers.emplace_back("X-Security-Token", credentials.security_token);
      auto signature = sign_request(input, credentials.access_key, credentials.secret_key,
                                    sdk_date_of(system_clock::now()));
      for (const auto& [name, value] : input.headers) request.set(name, value);
      request.set("X-Sdk-Date", signature.sdk_date);
      request.set("Authorization", signature.authorization);
    }

    ++m_requests;
    auto started = steady_clock::now();
    try {
      auto session = open_session();
      session->sendRequest(request);
      Poco::Net::HTTPResponse response;
      std::istream& in = session->receiveResponse(response);
      Answer answer;
      answer.status = static_cast<int>(response.getStatus());
      answer.reason = response.getReason();
      answer.request_id = response.get("X-Request-Id", "");
      answer.retry_after = response.get("Retry-After", "");
      answer.location = response.get("Location", "");
      if (response.hasContentLength() && response.getContentLength64() > static_cast<Poco::Int64>(k_max_body)) {
        throw ServiceError(fmt::format("HSS response too large: {} bytes, more than the {} MiB limit",
                                       response.getContentLength64(), k_max_body >> 20));
      }
      // One blocking byte, then whatever is already buffered: a body that drips in slowly is
      // cut off at --timeout instead of holding the gate for as long as the server likes.
      char buffer[16384];
      while (in.read(buffer, 1)) {
        std::streamsize more = in.readsome(buffer + 1, sizeof buffer - 1);
        answer.body.append(buffer, static_cast<std::size_t>(1 + more));
        if (answer.body.size() > k_max_body) {
          throw ServiceError(fmt::format("HSS response too large: more than the {} MiB limit", k_max_body >> 20));
        }
        if (steady_clock::now() - started > m_settings.timeout) {
          throw TransportError(fmt::format("no complete answer within --timeout {}s", m_settings.timeout.count()));
        }
      }
      if (response.hasContentLength() && answer.body.size() < static_cast<std::size_t>(response.getContentLength64())) {
        throw TransportError(fmt::format("connection closed after {} of {} bytes", answer.body.size(),
                                         response.getContentLength64()));
      }
      return answer;
    } catch (const Poco::Net::SSLException& e) {
      throw ServiceError(fmt::format("TLS handshake with {} failed: {} (use --ca-file for a private CA)",
                                     m_endpoint.getHost(), e.message().empty() ? e.displayText() : e.message()));
    } catch (const Poco::TimeoutException&) {
      throw TransportError(fmt::format("no answer within --timeout {}s", m_settings.timeout.count()));
    } catch (const Poco::Exception& e) {
      throw TransportError(e.displayText());
    } catch (const std::ios_base::failure& e) {
      throw TransportError(e.what());
    }
  }

  static std::string request_id_suffix(const Answer& answer) {
    return answer.request_id.empty() ? std::string() : fmt::format(" (request id {})", answer.request_id);
  }

  // Seconds from Retry-After, when it holds a number.
  static std::optional<milliseconds> retry_after(const Answer& answer) {
    if (answer.retry_after.empty()) return std::nullopt;
    try {
      std::size_t used = 0;
      long value = std::stol(answer.retry_after, &used);
      if (used == answer.retry_after.size() && value >= 0) return seconds(value);
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  Answer send_with_retries(const std::string& path, const Pairs& params) {
    milliseconds slept{0};
    std::string last_problem;
    for (int attempt = 1;; ++attempt) {
      std::optional<milliseconds> asked;
      try {
        Answer answer = send_once(path, params);
        if (answer.status >= 200 && answer.status < 300) return answer;
        if (answer.status >= 300 && answer.status < 400) {
          throw ServiceError(fmt::format("HSS request failed: {} {}: redirected to {}; not followed, so that "
                                         "credentials go only to the endpoint{}",
                                         answer.status, answer.reason,
                                         answer.location.empty() ? "(no location)" : answer.location,
                                         request_id_suffix(answer)));
        }
        std::string detail = error_of(answer.body);
        std::string problem = fmt::format("HSS request failed: {} {}{}", answer.status,
                                          detail.empty() ? answer.reason : detail, request_id_suffix(answer));
        if (answer.status != 429 && answer.status < 500) throw ServiceError(problem); // never retry auth failures
        last_problem = problem;
        asked = retry_after(answer);
      } catch (const TransportError& e) {
        if (interrupted()) throw Interrupted(fmt::format("interrupted during a request to {}", m_settings.endpoint));
        last_problem = fmt::format("cannot reach HSS at {}: {}", m_settings.endpoint, e.what());
      }
      if (attempt >= m_settings.max_attempts) {
        throw ServiceError(fmt::format("{} (gave up after {} attempts)", last_problem, attempt));
      }
      milliseconds pause = asked.value_or(backoff(attempt));
      if (slept + pause > m_settings.max_retry_wait) {
        if (asked) {
          throw ServiceError(fmt::format("{} (HSS asked to retry after {}s, beyond the {}s retry budget)", last_problem,
                                         duration_cast<seconds>(*asked).count(),
                                         duration_cast<seconds>(m_settings.max_retry_wait).count()));
        }
        pause = m_settings.max_retry_wait - slept;
        if (pause <= milliseconds(0)) {
          throw ServiceError(fmt::format("{} (gave up after {} attempts)", last_problem, attempt));
        }
      }
      if (!sleep_unless_interrupted(pause)) throw Interrupted(fmt::format("interrupted while retrying: {}", last_problem));
      slept += pause;
    }
  }

  // Exponential backoff with full jitter in its upper half: 0.5-1x of first_backoff * 2^(n-1).
  milliseconds backoff(int attempt) {
    auto ceiling = m_settings.first_backoff.count() << std::min(attempt - 1, 10);
    std::uniform_int_distribution<std::int64_t> spread(ceiling / 2, ceiling);
    return milliseconds(spread(m_random));
  }

  ClientSettings m_settings;
  Poco::URI m_endpoint;
  std::optional<Proxy> m_proxy;
  Poco::Net::Context::Ptr m_context;
  std::mt19937_64 m_random;
  int m_requests = 0;
};

} // namespace

std::unique_ptr<Client> make_http_client(const ClientSettings& settings) { return std::make_unique<HttpClient>(settings); }

} // namespace gate::hss
