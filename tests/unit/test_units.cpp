#include "gate/units/units.hpp"

#include <boost/test/unit_test.hpp>

using namespace gate::units;
using std::chrono::seconds;

BOOST_AUTO_TEST_SUITE(units)

BOOST_AUTO_TEST_CASE(durations_parse_in_every_unit_and_combination) {
  const std::vector<std::pair<std::string, std::int64_t>> cases{
      {"0", 0},       {"45", 45},         {"90s", 90},       {"10m", 600},     {"36h", 129600},
      {"7d", 604800}, {"2w", 1209600},    {"1h30m", 5400},   {"1d2h3m4s", 93784}};
  for (const auto& [text, expected] : cases) {
    BOOST_TEST_CONTEXT(text) {
      auto parsed = parse_duration(text);
      BOOST_REQUIRE(parsed.has_value());
      BOOST_TEST(parsed->count() == expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(durations_reject_what_they_do_not_understand) {
  for (std::string text : {"", "s", "10x", "-5s", "1.5h", "10 m", "m10", "99999999999999999999s", "1000000w"}) {
    BOOST_TEST_CONTEXT(text) { BOOST_TEST(!parse_duration(text).has_value()); }
  }
}

// Found by fuzz_units: a bare number of seconds skipped the century limit, so its formatted form
// did not parse back.
BOOST_AUTO_TEST_CASE(a_bare_number_of_seconds_has_the_same_limit_as_units) {
  BOOST_TEST(!parse_duration("7027702731").has_value());
  BOOST_TEST(parse_duration("3153600000").has_value()); // exactly a century
}

BOOST_AUTO_TEST_CASE(durations_format_in_largest_exact_units) {
  BOOST_TEST(format_duration(seconds(0)) == "0s");
  BOOST_TEST(format_duration(seconds(5400)) == "1h30m");
  BOOST_TEST(format_duration(seconds(604800)) == "7d");
  BOOST_TEST(format_duration(seconds(93784)) == "1d2h3m4s");
}

BOOST_AUTO_TEST_CASE(sizes_parse_decimal_and_binary_units) {
  const std::vector<std::pair<std::string, std::int64_t>> cases{
      {"1000", 1000},
      {"1,000 (bytes)", 1000},
      {"512MiB", 536870912},
      {"2GB", 2000000000},
      {"1.5GiB", 1610612736},
      {"10 kB", 10000},
      {"1KiB", 1024},
      {"3B", 3}};
  for (const auto& [text, expected] : cases) {
    BOOST_TEST_CONTEXT(text) {
      auto parsed = parse_size(text);
      BOOST_REQUIRE(parsed.has_value());
      BOOST_TEST(*parsed == expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(sizes_reject_unknown_units_and_garbage) {
  for (std::string text : {"", "MiB", "12XB", "1.5", "-1", "1e9", "1..5GB", "99999999999TiB"}) {
    BOOST_TEST_CONTEXT(text) { BOOST_TEST(!parse_size(text).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(a_date_alone_means_the_end_of_that_day_utc) {
  BOOST_TEST(format_date_time(*parse_date_time("2027-01-31")) == "2027-01-31T23:59:59Z");
}

BOOST_AUTO_TEST_CASE(date_times_honour_offsets_and_drop_fractions) {
  BOOST_TEST(format_date_time(*parse_date_time("2027-01-31T12:00:00Z")) == "2027-01-31T12:00:00Z");
  BOOST_TEST(format_date_time(*parse_date_time("2027-01-31T12:00:00+02:00")) == "2027-01-31T10:00:00Z");
  BOOST_TEST(format_date_time(*parse_date_time("2027-01-31T23:30:00-01:00")) == "2027-02-01T00:30:00Z");
  BOOST_TEST(format_date_time(*parse_date_time("2027-01-31 12:00:00.250Z")) == "2027-01-31T12:00:00Z");
}

BOOST_AUTO_TEST_CASE(impossible_dates_are_rejected) {
  for (std::string text : {"2027-02-30", "2027-13-01", "2027-1-1", "27-01-01", "2027-01-31T25:00:00Z",
                           "2027-01-31T12:00:00+2", "2027-01-31X", "tomorrow"}) {
    BOOST_TEST_CONTEXT(text) { BOOST_TEST(!parse_date_time(text).has_value()); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
