#include "gate/hss/transport.hpp"

#include "gate/clock.hpp"
#include "gate/error.hpp"
#include "gate/hss/proxy.hpp"
#include "gate/hss/retry.hpp"
#include "gate/interrupt.hpp"
#include "gate/text/url.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
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
#include <Poco/Net/X509Certificate.h>
#include <Poco/String.h>
#include <fmt/format.h>

#include <functional>
#include <istream>
#include <map>
#include <mutex>
#include <random>
#include <semaphore>

namespace gate::hss {

namespace {

using namespace std::chrono;

constexpr std::size_t k_max_body = 16 * 1024 * 1024;

// One attempt's answer from the server, whatever its status.
struct Answer {
  int status = 0;
  std::string reason;
  std::string body;
  std::string request_id;
  std::string retry_after;
  std::string location;
  std::string date;
  std::optional<PeerCertificate> certificate;
};

// Whether a request may have reached the server when its connection failed.
enum class Delivery { not_sent, maybe_delivered };

// A failure of the connection itself: worth retrying, for a request that may be sent twice.
class ConnectionFailure : public std::runtime_error {
public:
  // `stale`: the connection failed without a timeout or a partial answer, as one the server
  // closed while it was kept idle does; only such a failure is worth an immediate second try.
  explicit ConnectionFailure(const std::string& message, bool stale = false,
                             Delivery delivery = Delivery::maybe_delivered)
    : std::runtime_error(message), m_stale(stale), m_delivery(delivery) {}
  bool stale() const { return m_stale; }
  Delivery delivery() const { return m_delivery; }

private:
  bool m_stale;
  Delivery m_delivery;
};

// "HSS.0001 invalid parameter" from an HSS or API-gateway error body, when it is one.
std::string error_of(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(body);
    if (root.type() != typeid(Poco::JSON::Object::Ptr)) return {};
    auto object = root.extract<Poco::JSON::Object::Ptr>();
    std::string code = object->optValue<std::string>("error_code", "");
    std::string message = object->optValue<std::string>("error_msg", "");
    return Poco::trim(code + " " + message);
  } catch (const Poco::Exception&) {
    return {};
  } catch (const std::exception&) {
    return {};
  }
}

// "ListCicdImages (GET /v5/{project_id}/image/cicd/images)": the path as documented, not as sent.
std::string refused_operation(const Request& request, const std::string& method) {
  return fmt::format("{} ({} {})", request.operation.empty() ? "a request" : request.operation, method, request.path);
}

ServiceCause cause_of(int refusing_status) {
  if (refusing_status == 401) return ServiceCause::authentication;
  if (refusing_status == 403) return ServiceCause::forbidden;
  return ServiceCause::http_status;
}

Poco::Net::Context::Ptr make_context(const ClientSettings& settings) {
  using Poco::Net::Context;
  static std::once_flag ssl_initialized;
  std::call_once(ssl_initialized, [] { Poco::Net::initializeSSL(); });
  // STRICT also checks host names of loopback addresses, which Poco otherwise waves through.
  auto mode = settings.insecure ? Context::VERIFY_NONE : Context::VERIFY_STRICT;
  Context::Ptr context;
  try {
    context = new Context(Context::TLS_CLIENT_USE, settings.ca_file.value_or(""), mode, 9, true);
  } catch (const Poco::Exception& e) {
    throw UsageError(fmt::format("--ca-file {}: cannot load it: {}", settings.ca_file.value_or(""), e.displayText()));
  }
  Poco::Net::Context::InvalidCertificateHandlerPtr handler;
  if (settings.insecure) {
    handler = new Poco::Net::AcceptCertificateHandler(false);
  } else {
    handler = new Poco::Net::RejectCertificateHandler(false);
  }
  Poco::Net::SSLManager::instance().initializeClient(nullptr, handler, context);
  return context;
}

// Connections to one origin (scheme://host:port) under the run's client settings: TLS trust, the
// proxy, --timeout, at most k_connections requests in flight over kept-alive sessions, and the
// body cap. It knows nothing of what is asked: an attempt gets whatever status the server sent.
class Connections {
public:
  // `answer_name` is how messages call an answer ("HSS response").
  Connections(EndpointUrl origin, const ClientSettings& settings, std::size_t max_body, std::string answer_name)
    : m_origin(std::move(origin)), m_settings(settings), m_max_body(max_body), m_answer_name(std::move(answer_name)) {
    m_proxy = choose_proxy(m_origin, m_settings.proxy).proxy;
    if (m_origin.scheme == "https") m_context = make_context(m_settings);
  }

  const EndpointUrl& origin() const { return m_origin; }

  // "host[:port]", as the Host header sends it.
  std::string host_header() const {
    std::string url = m_origin.str();
    return url.substr(url.find("://") + 3);
  }

  // One attempt. `build` makes the request afresh for each connection tried (a signature is
  // dated); `body` is sent after it (a POST's). Throws ConnectionFailure for what is worth
  // retrying, ServiceError for a TLS failure or a body over the cap, Interrupted once the run is
  // cancelled. A request that must not reach the server twice (`once`, a POST that creates a task)
  // goes over a new connection: on a kept one, a failure cannot tell a connection the server had
  // closed from an answer lost after the server acted.
  Answer send(const std::function<Poco::Net::HTTPRequest()>& build, const std::string& body = {}, bool once = false) {
    m_slots.acquire();
    struct Release {
      std::counting_semaphore<k_connections>& slots;
      ~Release() { slots.release(); }
    } release{m_slots};
    // A request may have queued for a connection while the job was cancelled: it is not sent.
    if (interrupted()) throw Interrupted(fmt::format("interrupted before sending a request to {}", m_origin.str()));
    // A kept connection the server has closed meanwhile fails at once: try once more on a new one.
    if (auto session = once ? nullptr : idle_session()) {
      try {
        return exchange(build(), body, std::move(session));
      } catch (const ConnectionFailure& e) {
        // A timeout or a cut answer is the server's doing, not the kept connection's: sending
        // again at once would double the deadline and skip the backoff.
        if (interrupted() || !e.stale()) throw;
      }
    }
    return exchange(build(), body, open_session());
  }

private:
  // At most k_connections requests in flight, over connections kept alive between them: one
  // pool for every list of the run, however many threads ask.
  static constexpr std::ptrdiff_t k_connections = 8;

  std::unique_ptr<Poco::Net::HTTPClientSession> open_session() {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (m_context) {
      session = std::make_unique<Poco::Net::HTTPSClientSession>(m_origin.host, m_origin.port, m_context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(m_origin.host, m_origin.port);
    }
    if (m_proxy) {
      session->setProxy(m_proxy->host, m_proxy->port);
      if (!m_proxy->username.empty()) session->setProxyCredentials(m_proxy->username, m_proxy->password);
    }
    Poco::Timespan timeout(static_cast<long>(m_settings.timeout.count()), 0);
    session->setTimeout(timeout, timeout, timeout);
    return session;
  }

  std::unique_ptr<Poco::Net::HTTPClientSession> idle_session() {
    std::lock_guard<std::mutex> lock(m_pool_mutex);
    if (m_idle.empty()) return nullptr;
    auto session = std::move(m_idle.back());
    m_idle.pop_back();
    return session;
  }

  void keep(std::unique_ptr<Poco::Net::HTTPClientSession> session) {
    std::lock_guard<std::mutex> lock(m_pool_mutex);
    if (m_idle.size() < static_cast<std::size_t>(k_connections)) m_idle.push_back(std::move(session));
  }

  Answer exchange(Poco::Net::HTTPRequest http, const std::string& body,
                  std::unique_ptr<Poco::Net::HTTPClientSession> session) {
    http.setKeepAlive(true);
    session->setKeepAlive(true);
    // --timeout is real time, like the socket timeouts beside it, even on a clock scaled for tests.
    auto deadline = steady_clock::now() + m_settings.timeout;
    // Until sendRequest returns, the request line and headers are not all out (or no connection was
    // made): the server cannot have acted on it. After, it may have, whatever fails next.
    Delivery delivery = Delivery::not_sent;
    try {
      std::ostream& out = session->sendRequest(http);
      delivery = Delivery::maybe_delivered;
      if (!body.empty()) out << body;
      Poco::Net::HTTPResponse response;
      std::istream& in = session->receiveResponse(response);
      Answer answer;
      answer.status = static_cast<int>(response.getStatus());
      answer.reason = response.getReason();
      answer.request_id = response.get("X-Request-Id", "");
      answer.retry_after = response.get("Retry-After", "");
      answer.location = response.get("Location", "");
      answer.date = response.get("Date", "");
      if (auto* secure = dynamic_cast<Poco::Net::HTTPSClientSession*>(session.get())) {
        try {
          Poco::Net::X509Certificate certificate = secure->serverCertificate();
          answer.certificate = PeerCertificate{certificate.subjectName(), certificate.issuerName(),
                                               Poco::DateTimeFormatter::format(certificate.expiresOn(),
                                                                               Poco::DateTimeFormat::ISO8601_FORMAT)};
        } catch (const Poco::Exception&) {
          // No certificate to show (--insecure against a server that sent none): nothing to report.
        }
      }
      if (response.hasContentLength() && response.getContentLength64() > static_cast<Poco::Int64>(m_max_body)) {
        throw ServiceError(fmt::format("{} too large: {} bytes, more than the {} MiB limit", m_answer_name,
                                       response.getContentLength64(), m_max_body >> 20),
                           ServiceCause::malformed_response);
      }
      // One blocking byte, then whatever is already buffered: a body that drips in slowly is
      // cut off at --timeout instead of holding the gate for as long as the server likes.
      char buffer[16384];
      while (in.read(buffer, 1)) {
        std::streamsize more = in.readsome(buffer + 1, sizeof buffer - 1);
        answer.body.append(buffer, static_cast<std::size_t>(1 + more));
        if (answer.body.size() > m_max_body) {
          throw ServiceError(fmt::format("{} too large: more than the {} MiB limit", m_answer_name, m_max_body >> 20),
                             ServiceCause::malformed_response);
        }
        if (steady_clock::now() > deadline) {
          throw ConnectionFailure(fmt::format("no complete answer within --timeout {}s", m_settings.timeout.count()));
        }
      }
      if (response.hasContentLength() && answer.body.size() < static_cast<std::size_t>(response.getContentLength64())) {
        throw ConnectionFailure(fmt::format("connection closed after {} of {} bytes", answer.body.size(),
                                            response.getContentLength64()));
      }
      if (response.getKeepAlive() && response.hasContentLength()) keep(std::move(session));
      return answer;
    } catch (const Poco::Net::SSLException& e) {
      throw ServiceError(fmt::format("TLS handshake with {} failed: {} (use --ca-file for a private CA)",
                                     m_origin.host, e.message().empty() ? e.displayText() : e.message()),
                         ServiceCause::tls);
    } catch (const Poco::TimeoutException&) {
      throw ConnectionFailure(fmt::format("no answer within --timeout {}s", m_settings.timeout.count()), false,
                              delivery);
    } catch (const Poco::Exception& e) {
      throw ConnectionFailure(e.displayText(), true, delivery);
    } catch (const std::ios_base::failure& e) {
      throw ConnectionFailure(e.what(), true, delivery);
    }
  }

  EndpointUrl m_origin;
  ClientSettings m_settings;
  std::size_t m_max_body;
  std::string m_answer_name;
  std::optional<ProxyServer> m_proxy;
  Poco::Net::Context::Ptr m_context;
  std::counting_semaphore<k_connections> m_slots{k_connections};
  std::mutex m_pool_mutex;
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> m_idle;
};

// Retries draw their jitter from one generator, whichever thread asks.
class Jitter {
public:
  std::uint64_t operator()() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_random();
  }

private:
  std::mutex m_mutex;
  std::mt19937_64 m_random{std::random_device{}()};
};

std::shared_ptr<RunRetryBudget> shared_budget(std::shared_ptr<RunRetryBudget> run) {
  return run ? std::move(run) : std::make_shared<RunRetryBudget>();
}

class HttpTransport : public Transport {
public:
  HttpTransport(const TransportSettings& settings, Clock& clock, std::shared_ptr<RunRetryBudget> run)
    : m_settings(checked(settings)), m_clock(clock), m_run_budget(shared_budget(std::move(run))),
      m_connections(m_settings.endpoint, m_settings, k_max_body, "HSS response") {}

  Response get(const Request& request) override { return send(request, Poco::Net::HTTPRequest::HTTP_GET); }
  Response post(const Request& request) override { return send(request, Poco::Net::HTTPRequest::HTTP_POST); }

private:
  Response send(const Request& request, const std::string& method) {
    encoded_path(request, m_settings.project_id); // a path that cannot be sent fails before any connection
    Answer answer;
    RetryBudget budget;
    if (!m_settings.retry) budget.max_attempts = 1;
    run_with_retries([&] { return attempt(request, method, answer); }, m_clock, std::ref(m_jitter), budget,
                     m_run_budget.get());
    return Response{std::move(answer.body), std::move(answer.request_id), std::move(answer.date),
                    std::move(answer.certificate)};
  }

  // HSS's own words, with any credential the run holds masked: a server (or a proxy before it)
  // that echoes the request's headers into its error must not make the gate print them.
  std::string redacted(std::string text) const {
    const Credentials& credentials = m_settings.credentials;
    for (const std::string* secret : {&credentials.auth_token, &credentials.secret_key, &credentials.security_token,
                                      &credentials.access_key}) {
      if (secret->size() < 4) continue; // too short to mask without masking ordinary text
      for (auto at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at + 3)) {
        text.replace(at, secret->size(), "***");
      }
    }
    return text;
  }

  static const TransportSettings& checked(const TransportSettings& settings) {
    if (settings.endpoint.scheme != "https" && !is_loopback_host(settings.endpoint.host)) {
      throw UsageError(fmt::format("--endpoint {}: refusing to send credentials over plain HTTP to a host outside "
                                   "the loopback range; use https://",
                                   settings.endpoint.str()));
    }
    return settings;
  }

  // A GET is sent again after any failure worth retrying. A POST creates a task: it is sent again
  // only when HSS certainly did not act on it (no connection, the request not all sent, 429 or 503,
  // with which the gateway turns a request away), so that one trigger never becomes two tasks.
  std::optional<Retryable> attempt(const Request& request, const std::string& method, Answer& answer) {
    bool get = method == Poco::Net::HTTPRequest::HTTP_GET;
    try {
      answer = m_connections.send([&] { return build(request, method); }, get ? std::string() : request.body, !get);
    } catch (const ConnectionFailure& e) {
      if (interrupted()) throw Interrupted(fmt::format("interrupted during a request to {}", m_settings.endpoint.str()));
      if (!get && e.delivery() == Delivery::maybe_delivered) {
        throw ServiceError(fmt::format("{} sent to HSS at {}, but its answer was lost ({}): HSS may have acted on it, so "
                                       "it is not sent again",
                                       refused_operation(request, method), m_settings.endpoint.str(), e.what()),
                           ServiceCause::network, 0, std::string(request.operation));
      }
      return Retryable(fmt::format("cannot reach HSS at {}: {}", m_settings.endpoint.str(), e.what()), std::nullopt,
                       ServiceCause::network);
    }
    if (answer.status >= 200 && answer.status < 300) return std::nullopt;
    std::string id = request_id_suffix(answer.request_id);
    if (answer.status >= 300 && answer.status < 400) {
      throw ServiceError(fmt::format("HSS request failed: {} {}: redirected to {}; not followed, so that credentials "
                                     "go only to the endpoint{}",
                                     answer.status, redacted(answer.reason),
                                     answer.location.empty() ? "(no location)" : redacted(answer.location), id),
                         ServiceCause::http_status, answer.status);
    }
    std::string detail = redacted(error_of(answer.body));
    std::string status = fmt::format("{} {}{}", answer.status, detail.empty() ? redacted(answer.reason) : detail, id);
    // IAM grants each API on its own: a refusal names the one refused, as the reference names it.
    std::string problem = answer.status == 403 ? fmt::format("HSS refused {}: {}", refused_operation(request, method), status)
                                               : fmt::format("HSS request failed: {}", status);
    // Other 4xx are never retried: repeated authentication failures lock an AK.
    bool turned_away = answer.status == 429 || answer.status == 503;
    if (!turned_away && (answer.status < 500 || !get)) {
      if (!get && answer.status >= 500) problem += "; HSS may have acted on it, so it is not sent again";
      throw ServiceError(problem, cause_of(answer.status), answer.status, std::string(request.operation));
    }
    return Retryable(problem, parse_retry_after(answer.retry_after, m_clock.wall_now()), ServiceCause::http_status,
                     answer.status);
  }

  Poco::Net::HTTPRequest build(const Request& request, const std::string& method) {
    std::string path = encoded_path(request, m_settings.project_id);
    std::string target = path;
    std::string query = canonical_query(request.query);
    if (!query.empty()) target += "?" + query;

    Poco::Net::HTTPRequest http(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    http.setHost(m_connections.host_header());
    http.set("Accept", "application/json");
    http.set("User-Agent", fmt::format("hss-gate/{}", HSS_GATE_VERSION));
    bool get = method == Poco::Net::HTTPRequest::HTTP_GET;
    if (!get) http.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
    const Credentials& credentials = m_settings.credentials;
    if (!credentials.auth_token.empty()) {
      for (const auto& [name, value] : request.headers) http.set(name, value);
      if (!get) http.set("Content-Type", "application/json");
      http.set("X-Auth-Token", credentials.auth_token);
      return http;
    }
    SignInput input;
    input.method = method;
    input.host = m_connections.host_header();
    input.path = path;
    input.query = request.query;
    input.body = request.body;
    input.headers = {{"Content-Type", "application/json"}, {"X-Project-Id", m_settings.project_id}};
    input.headers.insert(input.headers.end(), request.headers.begin(), request.headers.end());
    if (!credentials.security_token.empty()) input.headers.emplace_back("X-Security-Token", credentials.security_token);
    auto signature = sign_request(input, credentials.access_key, credentials.secret_key, sdk_date_of(m_clock.wall_now()));
    for (const auto& [name, value] : input.headers) http.set(name, value);
    http.set("X-Sdk-Date", signature.sdk_date);
    http.set("Authorization", signature.authorization);
    return http;
  }

  TransportSettings m_settings;
  Clock& m_clock;
  std::shared_ptr<RunRetryBudget> m_run_budget;
  Connections m_connections;
  Jitter m_jitter;
};

// A policy base's URL, fetched through the same connections code as HSS's requests: a plain GET
// that carries nothing of the credentials (there are none here to carry).
class HttpUrlFetcher : public UrlFetcher {
public:
  HttpUrlFetcher(const ClientSettings& settings, Clock& clock, std::shared_ptr<RunRetryBudget> run)
    : m_settings(settings), m_clock(clock), m_run_budget(shared_budget(std::move(run))) {}

  std::string get(const std::string& url, std::size_t max_bytes) override {
    FetchUrl target = parse_fetch_url(url);
    Connections& connections = connections_to(target.origin, max_bytes);
    Answer answer;
    RetryBudget budget;
    if (!m_settings.retry) budget.max_attempts = 1;
    run_with_retries([&] { return attempt(connections, target.target, answer); }, m_clock, std::ref(m_jitter), budget,
                     m_run_budget.get());
    return std::move(answer.body);
  }

private:
  Connections& connections_to(const EndpointUrl& origin, std::size_t max_bytes) {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto key = fmt::format("{} {}", origin.str(), max_bytes);
    auto found = m_connections.find(key);
    if (found == m_connections.end()) {
      found = m_connections.emplace(key, std::make_unique<Connections>(origin, m_settings, max_bytes, "the file")).first;
    }
    return *found->second;
  }

  std::optional<Retryable> attempt(Connections& connections, const std::string& target, Answer& answer) {
    try {
      answer = connections.send([&] {
        Poco::Net::HTTPRequest http(Poco::Net::HTTPRequest::HTTP_GET, target, Poco::Net::HTTPMessage::HTTP_1_1);
        http.setHost(connections.host_header());
        http.set("Accept", "*/*");
        http.set("User-Agent", fmt::format("hss-gate/{}", HSS_GATE_VERSION));
        return http;
      });
    } catch (const ConnectionFailure& e) {
      if (interrupted()) throw Interrupted(fmt::format("interrupted during a request to {}", connections.origin().str()));
      return Retryable(fmt::format("cannot reach {}: {}", connections.origin().str(), e.what()), std::nullopt,
                       ServiceCause::network);
    }
    if (answer.status >= 200 && answer.status < 300) return std::nullopt;
    if (answer.status >= 300 && answer.status < 400) {
      std::string location = answer.location.empty() ? std::string("(no location)")
                                                      : text::masked_url(answer.location, text::UrlPath::shown);
      throw ServiceError(fmt::format("{} {}: redirected to {}; not followed: name the URL that serves the file",
                                     answer.status, answer.reason, location),
                         ServiceCause::http_status, answer.status);
    }
    std::string problem = fmt::format("{} {}", answer.status, answer.reason);
    if (answer.status != 429 && answer.status < 500) throw ServiceError(problem, cause_of(answer.status), answer.status);
    return Retryable(problem, parse_retry_after(answer.retry_after, m_clock.wall_now()), ServiceCause::http_status,
                     answer.status);
  }

  ClientSettings m_settings;
  Clock& m_clock;
  std::shared_ptr<RunRetryBudget> m_run_budget;
  Jitter m_jitter;
  std::mutex m_mutex;
  std::map<std::string, std::unique_ptr<Connections>> m_connections;
};

} // namespace

Response Transport::post(const Request& request) {
  throw ServiceError(fmt::format("{}: this run reads saved answers and cannot ask HSS to act", request.operation));
}

std::unique_ptr<Transport> make_http_transport(const TransportSettings& settings, Clock& clock,
                                               std::shared_ptr<RunRetryBudget> run) {
  return std::make_unique<HttpTransport>(settings, clock, std::move(run));
}

std::unique_ptr<UrlFetcher> make_url_fetcher(const ClientSettings& settings, Clock& clock,
                                             std::shared_ptr<RunRetryBudget> run) {
  return std::make_unique<HttpUrlFetcher>(settings, clock, std::move(run));
}

} // namespace gate::hss
