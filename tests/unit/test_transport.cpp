#include "gate/error.hpp"
#include "gate/hss/json_reader.hpp"
#include "gate/hss/proxy.hpp"
#include "gate/hss/retry.hpp"
#include "gate/hss/transport.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

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
