#include "gate/clock.hpp"
#include "gate/doctor.hpp"
#include "gate/error.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/json_reader.hpp"
#include "gate/hss/proxy.hpp"
#include "gate/hss/retry.hpp"
#include "gate/hss/transport.hpp"
#include "gate/interrupt.hpp"
#include "gate/parallel.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>
#include <type_traits>

using namespace gate::hss;
using namespace std::chrono;

namespace {

// An attempt that fails `failures` times (with an optional Retry-After), then succeeds.
struct ScriptedAttempts {
  int failures = 0;
  std::optional<milliseconds> retry_after;
  int calls = 0;
  std::optional<Retryable> operator()() {
    ++calls;
    if (calls > failures) return std::nullopt;
    return Retryable{"HSS request failed: 503 Service Unavailable", retry_after};
  }
};

std::uint64_t no_jitter() { return 0; }

// Clears the process's interrupt flag before and after a case that plays a signal.
struct ClearsInterrupt {
  ClearsInterrupt() { gate::clear_interrupt(); }
  ~ClearsInterrupt() { gate::clear_interrupt(); }
};

// Finding lists served the way the real transport serves them, through run_with_retries: the
// malware list answers 503 with Retry-After, whose pause is where SIGTERM arrives; every other
// list waits until the signal has come, so that when it comes every thread of the pool is busy
// (one pausing, the rest with a request in flight) and the queued lists are provably not sent.
class SignalledDuringRetryTransport : public Transport, public gate::Clock {
public:
  explicit SignalledDuringRetryTransport(std::size_t in_flight_before_signal) : m_in_flight_wanted(in_flight_before_signal) {}

  std::vector<std::string> sent;
  int sent_after_signal = 0;

  Response get(const Request& request) override {
    Response response;
    run_with_retries([&]() -> std::optional<Retryable> {
      std::unique_lock<std::mutex> lock(m_mutex);
      sent.push_back(request.path);
      if (m_signalled) ++sent_after_signal;
      if (request.path.find("/malwares") != std::string::npos) {
        return Retryable("HSS request failed: 503 busy", seconds(5), gate::ServiceCause::http_status, 503);
      }
      ++m_in_flight;
      m_changed.notify_all();
      m_changed.wait_for(lock, seconds(10), [&] { return m_signalled; });
      response.body = R"({"total_num": 0, "data_list": []})";
      return std::nullopt;
    }, *this, no_jitter);
    return response;
  }

  std::chrono::system_clock::time_point wall_now() const override { return {}; }
  milliseconds elapsed() const override { return milliseconds(0); }
  // The retry pause: SIGTERM arrives once the rest of the pool has its requests in flight.
  bool sleep(milliseconds) override {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_changed.wait_for(lock, seconds(10), [&] { return m_in_flight >= m_in_flight_wanted; });
    gate::raise_interrupt();
    m_signalled = true;
    m_changed.notify_all();
    return !gate::interrupted();
  }

private:
  std::size_t m_in_flight_wanted;
  std::size_t m_in_flight = 0;
  bool m_signalled = false;
  std::mutex m_mutex;
  std::condition_variable m_changed;
};

} // namespace

BOOST_AUTO_TEST_SUITE(transport)

BOOST_AUTO_TEST_CASE(a_retryable_failure_is_retried_with_growing_backoff) {
  test::FakeClock clock;
  ScriptedAttempts attempts{3, std::nullopt};
  run_with_retries(std::ref(attempts), clock, no_jitter);
  BOOST_TEST(attempts.calls == 4);
  // Without jitter the pause is the lower half of each step: 0.5s, 1s, 2s.
  BOOST_TEST((clock.sleeps == std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(2000)}));
}

BOOST_AUTO_TEST_CASE(retries_stop_after_five_attempts_with_the_last_problem) {
  test::FakeClock clock;
  ScriptedAttempts attempts{100, std::nullopt};
  auto message = test::error_of([&] { run_with_retries(std::ref(attempts), clock, no_jitter); });
  BOOST_TEST(attempts.calls == 5);
  BOOST_TEST(message == "HSS request failed: 503 Service Unavailable (gave up after 5 attempts)");
}

BOOST_AUTO_TEST_CASE(backoff_jitter_stays_within_half_and_whole_of_each_step) {
  for (int attempt = 1; attempt <= 4; ++attempt) {
    std::int64_t ceiling = std::int64_t{1000} << (attempt - 1);
    for (std::uint64_t random : {std::uint64_t{0}, std::uint64_t{7}, ~std::uint64_t{0}}) {
      auto pause = backoff_for(attempt, random, k_retry_budget).count();
      BOOST_TEST(pause >= ceiling / 2);
      BOOST_TEST(pause <= ceiling);
    }
  }
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured_within_the_budget) {
  test::FakeClock clock;
  ScriptedAttempts attempts{2, seconds(7)};
  run_with_retries(std::ref(attempts), clock, no_jitter);
  BOOST_TEST((clock.sleeps == std::vector<milliseconds>{seconds(7), seconds(7)}));
}

BOOST_AUTO_TEST_CASE(retry_after_beyond_the_budget_fails_at_once_without_sleeping) {
  test::FakeClock clock;
  ScriptedAttempts attempts{1, hours(24)};
  auto message = test::error_of([&] { run_with_retries(std::ref(attempts), clock, no_jitter); });
  BOOST_TEST(clock.sleeps.empty());
  BOOST_TEST(message.find("beyond the 30s retry budget") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_requests_of_a_run_share_sixty_seconds_of_retry_waiting) {
  test::FakeClock clock;
  RunRetryBudget run;
  // Each request may sleep up to 30 s; three of them together get 60 s and no more.
  std::vector<std::string> messages;
  for (int request = 0; request < 3; ++request) {
    ScriptedAttempts attempts{100, seconds(8)};
    messages.push_back(test::error_of([&] { run_with_retries(std::ref(attempts), clock, no_jitter, k_retry_budget, &run); }));
  }
  milliseconds total{0};
  for (auto pause : clock.sleeps) total += pause;
  BOOST_TEST(total.count() <= 60000);
  BOOST_TEST(total.count() >= 56000); // three requests used what the run allows
  BOOST_TEST(messages.back().find("the run's 60s of retry waiting is spent") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(all_sleeping_stays_within_thirty_seconds) {
  test::FakeClock clock;
  ScriptedAttempts attempts{100, seconds(12)};
  test::error_of([&] { run_with_retries(std::ref(attempts), clock, no_jitter); });
  milliseconds total{0};
  for (auto pause : clock.sleeps) total += pause;
  BOOST_TEST(total.count() <= 30000);
}

BOOST_AUTO_TEST_CASE(an_interrupted_retry_is_interrupted) {
  test::FakeClock clock;
  clock.interrupt_next_sleep = true;
  ScriptedAttempts attempts{1, std::nullopt};
  BOOST_CHECK_THROW(run_with_retries(std::ref(attempts), clock, no_jitter), gate::Interrupted);
}

BOOST_AUTO_TEST_CASE(cancellation_is_no_error_a_worker_can_catch) {
  BOOST_TEST(!(std::is_base_of_v<gate::ServiceError, gate::Interrupted>));
  BOOST_TEST(!(std::is_base_of_v<gate::Error, gate::Interrupted>));
  BOOST_TEST(gate::Interrupted::exit_code() == 3);
}

BOOST_FIXTURE_TEST_CASE(no_request_is_sent_once_the_run_is_cancelled, ClearsInterrupt) {
  test::FakeClock clock;
  ScriptedAttempts attempts{0, std::nullopt};
  gate::raise_interrupt();
  BOOST_CHECK_THROW(run_with_retries(std::ref(attempts), clock, no_jitter), gate::Interrupted);
  BOOST_TEST(attempts.calls == 0);
}

BOOST_AUTO_TEST_CASE(retries_that_run_out_keep_the_cause_of_the_last_failure) {
  test::FakeClock clock;
  int calls = 0;
  auto unavailable = [&]() -> std::optional<Retryable> {
    ++calls;
    return Retryable("HSS request failed: 503 Service Unavailable", std::nullopt, gate::ServiceCause::http_status, 503);
  };
  try {
    run_with_retries(unavailable, clock, no_jitter);
    BOOST_FAIL("the retries should have run out");
  } catch (const gate::ServiceError& e) {
    BOOST_TEST(calls == 5);
    BOOST_TEST(name_of(e.cause()) == "http_status");
    BOOST_TEST(e.http_status() == 503);
  }
  auto unreachable = [] { return std::optional<Retryable>(Retryable("cannot reach HSS", std::nullopt)); };
  try {
    run_with_retries(unreachable, clock, no_jitter);
    BOOST_FAIL("the retries should have run out");
  } catch (const gate::ServiceError& e) {
    BOOST_TEST(name_of(e.cause()) == "network");
    BOOST_TEST(e.http_status() == 0);
  }
}

BOOST_AUTO_TEST_CASE(a_reworded_service_error_keeps_its_cause) {
  gate::ServiceError refused("HSS request failed: 403 HSS.1063 no permission", gate::ServiceCause::forbidden, 403);
  gate::ServiceError told = refused.reworded("report.json: HSS request failed: 403 HSS.1063 no permission");
  BOOST_TEST(name_of(told.cause()) == "forbidden");
  BOOST_TEST(told.http_status() == 403);
  BOOST_TEST(std::string(told.what()).rfind("report.json: ", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_cancelled_task_stops_the_pool_and_wins_over_an_earlier_failure) {
  std::vector<std::size_t> ran;
  try {
    gate::for_each_in_parallel(5, 1, [&](std::size_t i) {
      ran.push_back(i);
      if (i == 0) throw gate::ServiceError("HSS request failed: 500", gate::ServiceCause::http_status, 500);
      if (i == 1) throw gate::Interrupted("interrupted while retrying");
    });
    BOOST_FAIL("the pool should have rethrown");
  } catch (const gate::Interrupted& e) {
    BOOST_TEST(std::string(e.what()) == "interrupted while retrying");
  } catch (const gate::ServiceError&) {
    BOOST_FAIL("the earlier service error hid the cancellation");
  }
  BOOST_TEST((ran == std::vector<std::size_t>{0, 1})); // tasks 2 to 4 never started
}

BOOST_FIXTURE_TEST_CASE(a_signal_during_a_finding_retry_pause_cancels_the_fetch_and_sends_nothing_after,
                        ClearsInterrupt) {
  std::vector<gate::hss::Record> images;
  for (const char* id : {"img-1", "img-2", "img-3"}) {
    images.push_back(test::clean_record());
    images.back().image_id = id;
  }
  FindingPlan plan;
  plan.kinds.assign(finding_kinds().begin(), finding_kinds().end());
  std::size_t tasks = images.size() * plan.kinds.size();
  std::size_t threads = std::min(k_parallel_finding_requests, tasks);
  BOOST_REQUIRE(tasks > threads); // some lists are still queued when the signal comes
  BOOST_REQUIRE(plan.kinds[1] == *finding_kind_named("malware")); // the pausing list starts in the first wave
  SignalledDuringRetryTransport transport(threads - 1);

  BOOST_CHECK_THROW(fetch_findings(transport, images, plan, FindingOptions{}), gate::Interrupted);
  BOOST_TEST(transport.sent_after_signal == 0);
  BOOST_TEST(transport.sent.size() == threads); // the first wave only: no queued list, no retry
  BOOST_TEST(std::count_if(transport.sent.begin(), transport.sent.end(), [](const std::string& path) {
               return path.find("/malwares") != std::string::npos;
             }) == 1);
}

BOOST_AUTO_TEST_CASE(doctor_diagnoses_the_cause_not_the_message) {
  // Messages that say one thing while the cause says another: the cause decides.
  gate::ServiceError refused("TLS handshake with 127.0.0.1 failed (not really)", gate::ServiceCause::authentication, 401);
  gate::ServiceError handshake("HSS request failed: 401 APIG.0301 (not really)", gate::ServiceCause::tls);
  gate::ServiceError unreachable("HSS request failed: 403 forbidden (not really)", gate::ServiceCause::network);
  gate::ServiceError garbled("TLS handshake ... 401 ...", gate::ServiceCause::malformed_response);
  BOOST_TEST(gate::diagnose(refused).layer == "credentials");
  BOOST_TEST(gate::diagnose(handshake).layer == "TLS");
  BOOST_TEST(gate::diagnose(handshake).fix.find("--ca-file") != std::string::npos);
  BOOST_TEST(gate::diagnose(unreachable).layer == "network");
  BOOST_TEST(gate::diagnose(garbled).layer == "HSS");
  BOOST_TEST(gate::diagnose(gate::ServiceError("HSS request failed: 502 Bad Gateway", gate::ServiceCause::http_status, 502))
                 .layer == "HSS");
}

BOOST_AUTO_TEST_CASE(the_test_time_scale_shortens_sleeps_and_speeds_elapsed_time_alike) {
  test::FakeClock inner;
  BOOST_TEST(!gate::make_scaled_clock_for_tests(inner, std::nullopt));
  auto scaled = gate::make_scaled_clock_for_tests(inner, std::string("100"));
  BOOST_REQUIRE(scaled);
  BOOST_TEST(scaled->sleep(seconds(10)));
  BOOST_TEST((inner.sleeps == std::vector<milliseconds>{milliseconds(100)}));
  BOOST_TEST(scaled->elapsed().count() == 10000); // the waits' deadlines see the time they asked for
  inner.now += milliseconds(50); // real work, such as a slow answer on a loaded machine, counts once
  BOOST_TEST(scaled->elapsed().count() == 10050);
  BOOST_TEST((scaled->wall_now() == inner.wall_now()));
  for (const char* bad : {"", "0", "0.5", "fast", "10x", "1001", "nan"}) {
    auto message = test::error_of([&] { gate::make_scaled_clock_for_tests(inner, std::string(bad)); });
    BOOST_TEST(message.find("HSS_GATE_TEST_TIME_SCALE: expected a number from 1 to 1000") == 0, bad);
  }
}

BOOST_AUTO_TEST_CASE(retry_after_reads_seconds_and_http_dates_and_is_bounded) {
  auto now = system_clock::time_point(sys_days{year{2026} / 11 / 27});
  BOOST_TEST(parse_retry_after("5", now)->count() == 5000);
  BOOST_TEST(parse_retry_after("0", now)->count() == 0);
  BOOST_TEST(parse_retry_after("99999999999999999999999999", now)->count() == 86400000); // capped, no overflow
  BOOST_TEST(parse_retry_after("Fri, 27 Nov 2026 00:00:10 GMT", now)->count() == 10000);
  BOOST_TEST(parse_retry_after("Fri, 27 Nov 2026 00:00:10 GMT", now + hours(1))->count() == 0); // in the past
  BOOST_TEST(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now)->count() == 86400000);
  BOOST_TEST(!parse_retry_after("-5", now));
  BOOST_TEST(!parse_retry_after("soon", now));
  BOOST_TEST(!parse_retry_after("", now));
}

BOOST_AUTO_TEST_CASE(no_proxy_matches_hosts_and_domain_suffixes) {
  BOOST_TEST(bypasses_proxy("hss.example.com", "example.com"));
  BOOST_TEST(bypasses_proxy("hss.example.com", ".example.com"));
  BOOST_TEST(bypasses_proxy("hss.example.com", "other.org, hss.example.com:443"));
  BOOST_TEST(bypasses_proxy("HSS.Example.com", "example.com"));
  BOOST_TEST(bypasses_proxy("anything", "*"));
  BOOST_TEST(!bypasses_proxy("hss.example.com", "ample.com"));
  BOOST_TEST(!bypasses_proxy("example.com.evil.org", "example.com"));
  BOOST_TEST(!bypasses_proxy("hss.example.com", ""));
}

BOOST_AUTO_TEST_CASE(the_proxy_choice_follows_scheme_and_no_proxy) {
  ProxySettings settings{"http://user:pa%40ss@proxy.internal:3128", "internal.example"};
  auto https = choose_proxy({"https", "hss.ap-southeast-1.myhuaweicloud.com", 443}, settings);
  BOOST_REQUIRE(https.proxy);
  BOOST_TEST(https.proxy->host == "proxy.internal");
  BOOST_TEST(https.proxy->port == 3128);
  BOOST_TEST(https.proxy->password == "pa@ss");
  BOOST_TEST(https.reason.find("pa") == std::string::npos); // never the credentials
  BOOST_TEST(!choose_proxy({"https", "hss.internal.example", 443}, settings).proxy);
  // Plain HTTP only ever reaches loopback, and would hand the token to the proxy in clear text.
  auto plain = choose_proxy({"http", "127.0.0.1", 8080}, settings);
  BOOST_TEST(!plain.proxy);
  BOOST_TEST(plain.reason.find("plain HTTP") != std::string::npos);
  auto bad = test::error_of([] { choose_proxy({"https", "h", 443}, {"ftp://user:SECRET@x", ""}); });
  BOOST_TEST(bad.find("HTTPS_PROXY") == 0u);
  BOOST_TEST(bad.find("SECRET") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_endpoint_with_credentials_is_refused_and_shown_redacted) {
  auto message = test::error_of([] { parse_endpoint_url("https://AKEXAMPLE:SKSECRET@hss.example.com", "--endpoint"); });
  BOOST_TEST(message.find("--endpoint: a URL must not carry credentials") == 0u);
  BOOST_TEST(message.find("https://***@hss.example.com") != std::string::npos);
  BOOST_TEST(message.find("SKSECRET") == std::string::npos);
  BOOST_TEST(message.find("AKEXAMPLE") == std::string::npos);
  BOOST_TEST(parse_endpoint_url("https://hss.example.com:8443/", "--endpoint").str() == "https://hss.example.com:8443");
  BOOST_TEST(parse_endpoint_url("http://127.0.0.1:80", "--endpoint").str() == "http://127.0.0.1");
}

BOOST_AUTO_TEST_CASE(only_an_hss_host_of_huawei_cloud_names_its_region) {
  const std::vector<std::pair<std::string, std::string>> named{
      {"hss.cn-north-4.myhuaweicloud.com", "cn-north-4"},
      {"hss.ap-southeast-1.myhuaweicloud.com", "ap-southeast-1"},
      {"hss.eu-west-101.myhuaweicloud.eu", "eu-west-101"},
      {"HSS.CN-NORTH-4.MyHuaweiCloud.com", "cn-north-4"}, // host names are case-insensitive
      {"hss.la-south-2.myhuaweicloud.com.", "la-south-2"}, // fully qualified
  };
  for (const auto& [host, region] : named) {
    BOOST_TEST_CONTEXT(host) { BOOST_TEST(region_of_host(host).value_or("(none)") == region); }
  }
  for (const char* host : {"127.0.0.1", "localhost", "::1", "hss.example.com", "hss-proxy.example.com",
                           "hss.cn-north-4.example.com", "hss.cn-north-4.myhuaweicloud.com.evil.example",
                           "myhss.cn-north-4.myhuaweicloud.com", "ecs.cn-north-4.myhuaweicloud.com",
                           "hss.myhuaweicloud.com", "hss.cn.myhuaweicloud.com", "hss.cn-north-4.myhuaweicloud.org"}) {
    BOOST_TEST_CONTEXT(host) { BOOST_TEST(!region_of_host(host).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(a_duplicated_key_in_a_response_is_ambiguous) {
  auto message = test::error_of([] { parse_json_object(R"({"total_num": 1, "data_list": [{"vul_num": 0, "vul_num": 9}]})"); });
  BOOST_TEST(message.find("the key \"vul_num\" appears twice") != std::string::npos);
  BOOST_TEST(test::error_of([] { parse_json_object(R"({"a": {"x": 1}, "b": {"x": 2}})"); }) == "no error");
}

BOOST_AUTO_TEST_CASE(counts_refuse_booleans_floats_strings_and_negatives) {
  auto object = parse_json_object(R"({"b": true, "f": 1.0, "s": "3", "n": -1, "ok": 3})");
  BOOST_TEST(*object.integer("ok", 0, 10) == 3);
  for (const char* key : {"b", "f", "s", "n"}) {
    BOOST_TEST(test::error_of([&] { object.integer(key, 0, 10); }).find("response." + std::string(key)) != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
