#include "gate/error.hpp"
#include "gate/hss/lookup.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <deque>

using namespace gate::hss;
using namespace std::chrono;

namespace {

// Serves pages from a list of records, as the API pages them; scripted per call.
class FakeClient : public Client {
public:
  std::vector<Record> records;
  std::int64_t claimed_total = -1; // total_num to report; -1 for the truth
  std::deque<std::string> statuses; // scan_status of record 0 on successive polls
  std::vector<std::int64_t> offsets;

  Page list_images(const Query&, std::int64_t offset, int limit) override {
    offsets.push_back(offset);
    if (!statuses.empty() && offset == 0) {
      records[0].scan_status = statuses.front();
      if (statuses.size() > 1) statuses.pop_front();
    }
    Page page;
    page.total_num = claimed_total >= 0 ? claimed_total : static_cast<std::int64_t>(records.size());
    for (std::int64_t i = offset; i < offset + limit && i < static_cast<std::int64_t>(records.size()); ++i) {
      page.records.push_back(records[static_cast<std::size_t>(i)]);
    }
    return page;
  }
  int requests_sent() const override { return static_cast<int>(offsets.size()); }
};

std::vector<Record> many(std::size_t count) {
  std::vector<Record> records(count, test::clean_record());
  for (std::size_t i = 0; i < count; ++i) records[i].image_version = "other-" + std::to_string(i);
  return records;
}

struct FakeTiming {
  milliseconds now{0};
  std::vector<milliseconds> sleeps;
  Timing timing() {
    return Timing{[this](milliseconds d) {
                    sleeps.push_back(d);
                    now += d;
                    return true;
                  },
                  [this] { return now; }};
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(lookup)

BOOST_AUTO_TEST_CASE(one_request_when_one_page_holds_the_answer) {
  FakeClient client;
  client.records = {test::clean_record()};
  Lookup lookup = read_all(client, test::query_for(client.records[0]));
  BOOST_TEST(client.offsets.size() == 1u);
  BOOST_TEST(lookup.records.size() == 1u);
  BOOST_TEST(lookup.requests == 1);
}

BOOST_AUTO_TEST_CASE(paging_follows_offset_until_every_record_is_read) {
  FakeClient client;
  client.records = many(450);
  client.records[420] = test::clean_record();
  Lookup lookup = read_all(client, test::query_for(test::clean_record()));
  BOOST_TEST((client.offsets == std::vector<std::int64_t>{0, 200, 400}));
  BOOST_TEST(lookup.records.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_short_page_ends_paging_even_if_total_num_says_more) {
  FakeClient client;
  client.records = many(250);
  client.claimed_total = 100000;
  read_all(client, test::query_for(test::clean_record()));
  BOOST_TEST(client.offsets.size() == 2u);
}

BOOST_AUTO_TEST_CASE(paging_stops_at_a_fixed_bound_of_pages) {
  FakeClient client;
  client.records = many(static_cast<std::size_t>(k_page_size) * (k_max_pages + 5));
  read_all(client, test::query_for(test::clean_record()));
  BOOST_TEST(client.offsets.size() == static_cast<std::size_t>(k_max_pages));
}

BOOST_AUTO_TEST_CASE(waiting_polls_until_the_scan_is_final) {
  FakeClient client;
  client.records = {test::clean_record()};
  client.statuses = {"waiting_for_scan", "scanning", "success"};
  FakeTiming clock;
  std::vector<std::string> progress;
  Lookup lookup = find_image(client, test::query_for(client.records[0]), {seconds(60), seconds(10)}, clock.timing(),
                             [&](const std::string& line) { progress.push_back(line); });
  BOOST_TEST(lookup.records[0].scan_status == "success");
  BOOST_TEST(client.offsets.size() == 3u);
  BOOST_TEST(clock.sleeps.size() == 2u);
  BOOST_TEST(progress.size() == 2u); // one line per poll
  BOOST_TEST(progress[0].find("scan_status waiting_for_scan") != std::string::npos);
  BOOST_TEST(!lookup.wait_ran_out);
}

BOOST_AUTO_TEST_CASE(waiting_gives_up_when_the_wait_runs_out) {
  FakeClient client;
  client.records = {test::clean_record()};
  client.statuses = {"scanning"};
  FakeTiming clock;
  Lookup lookup = find_image(client, test::query_for(client.records[0]), {seconds(25), seconds(10)}, clock.timing(),
                             [](const std::string&) {});
  BOOST_TEST(lookup.wait_ran_out);
  BOOST_TEST(lookup.records[0].scan_status == "scanning");
  BOOST_TEST(client.offsets.size() == 4u); // at 0, 10, 20 and 25 seconds
  BOOST_TEST(clock.sleeps.back().count() == 5000);
}

BOOST_AUTO_TEST_CASE(no_wait_means_one_look) {
  FakeClient client;
  FakeTiming clock;
  Lookup lookup = find_image(client, test::query_for(test::clean_record()), {seconds(0), seconds(10)}, clock.timing(),
                             [](const std::string&) {});
  BOOST_TEST(lookup.records.empty());
  BOOST_TEST(client.offsets.size() == 1u);
  BOOST_TEST(clock.sleeps.empty());
}

BOOST_AUTO_TEST_CASE(a_saved_response_is_read_from_a_file) {
  test::TempDir dir;
  auto file = dir.write("r.json", R"json({"total_num": 1, "data_list": {"cicd_name": "shop", "image_version": "1.0.0",
    "scan_status": "success", "image_size": "1,000 (bytes)"}})json");
  Lookup lookup = lookup_from_file(file, test::query_for(test::clean_record()));
  BOOST_TEST(lookup.records.size() == 1u);
  auto broken = dir.write("b.json", "{");
  BOOST_CHECK_EXCEPTION(lookup_from_file(broken, test::query_for(test::clean_record())), gate::ServiceError,
                        [&](const gate::ServiceError& e) { return std::string(e.what()).find(broken) == 0; });
}

BOOST_AUTO_TEST_SUITE_END()
