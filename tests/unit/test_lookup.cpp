#include "gate/error.hpp"
#include "gate/hss/lookup.hpp"
#include "gate/hss/paging.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <deque>

using namespace gate::hss;
using namespace std::chrono;

namespace {

// Serves pages from a list of records, as the API pages them; scripted per call.
struct FakeList {
  std::vector<Record> records;
  std::int64_t claimed_total = -1;  // total_num to report; -1 for the truth
  std::int64_t overfull_at = -1;    // the page at this offset holds one record more than the limit
  std::deque<std::string> statuses; // scan_status of record 0 on successive polls
  std::vector<std::int64_t> offsets;

  Page<Record> page(std::int64_t offset, int limit) {
    offsets.push_back(offset);
    if (!statuses.empty() && offset == 0) {
      records[0].scan_status = statuses.front();
      if (statuses.size() > 1) statuses.pop_front();
    }
    Page<Record> answer;
    answer.total_num = claimed_total >= 0 ? claimed_total : static_cast<std::int64_t>(records.size());
    std::int64_t end = offset + limit + (offset == overfull_at ? 1 : 0);
    for (std::int64_t i = offset; i < end && i < static_cast<std::int64_t>(records.size()); ++i) {
      answer.items.push_back(records[static_cast<std::size_t>(i)]);
    }
    return answer;
  }

  std::vector<Record> all() {
    return read_all_pages("the test list", [this](std::int64_t offset, int limit) { return page(offset, limit); });
  }

  ListImages lister() {
    return [this](const Query&, std::vector<Record>& into) {
      read_all_pages("the test list", [this](std::int64_t offset, int limit) { return page(offset, limit); }, into);
    };
  }
};

// One image through find_images.
ImageLookup find_one(const ListImages& list, const Query& query, const WaitSettings& wait, test::FakeClock& clock,
                     const Progress& progress) {
  return find_images(list, {query}, wait, clock, progress).at(0);
}

std::vector<Record> many(std::size_t count) {
  std::vector<Record> records(count, test::clean_record());
  for (std::size_t i = 0; i < count; ++i) records[i].image_version = "other-" + std::to_string(i);
  return records;
}

} // namespace

BOOST_AUTO_TEST_SUITE(lookup)

BOOST_AUTO_TEST_CASE(one_request_when_one_page_holds_the_answer) {
  FakeList list;
  list.records = {test::clean_record()};
  BOOST_TEST(list.all().size() == 1u);
  BOOST_TEST(list.offsets.size() == 1u);
}

BOOST_AUTO_TEST_CASE(paging_follows_offset_until_a_short_page) {
  FakeList list;
  list.records = many(450);
  BOOST_TEST(list.all().size() == 450u);
  BOOST_TEST((list.offsets == std::vector<std::int64_t>{0, 200, 400}));
}

// A short page ends the list: before the count total_num promised, the list was not sent whole.
BOOST_AUTO_TEST_CASE(a_short_page_before_what_total_num_promised_is_an_error_never_a_partial_list) {
  for (std::int64_t claimed : {251, 100000}) {
    FakeList list;
    list.records = many(250);
    list.claimed_total = claimed;
    auto message = test::error_of([&] { list.all(); });
    BOOST_TEST(message.find(fmt::format("cut short at 250 records while total_num promised {}", claimed)) != std::string::npos,
               message);
    BOOST_TEST(list.offsets.size() == 2u);
  }
}

// total_num is only a hint: a server that says 0, 1 or 200 of 201 records must not hide the last.
BOOST_AUTO_TEST_CASE(paging_never_stops_on_a_full_page_whatever_total_num_says) {
  for (std::int64_t claimed : {0, 1, 200}) {
    FakeList list;
    list.records = many(201);
    list.claimed_total = claimed;
    BOOST_TEST(list.all().size() == 201u);
    BOOST_TEST(list.offsets.size() == 2u);
  }
  FakeList exact;
  exact.records = many(200);
  BOOST_TEST(exact.all().size() == 200u);
  BOOST_TEST(exact.offsets.size() == 2u); // the empty page after a full one ends the list
}

BOOST_AUTO_TEST_CASE(reaching_the_page_bound_is_a_service_error_not_a_verdict) {
  FakeList list;
  list.records = many(static_cast<std::size_t>(k_page_size) * (k_max_pages + 5));
  BOOST_CHECK_EXCEPTION(list.all(), gate::ServiceError, [](const gate::ServiceError& e) {
    return std::string(e.what()).find("the test list: more than 100 pages") == 0;
  });
  BOOST_TEST(list.offsets.size() == static_cast<std::size_t>(k_max_pages));
}

BOOST_AUTO_TEST_CASE(an_image_page_over_the_limit_or_empty_while_promising_records_is_an_error) {
  for (std::int64_t at : {0, 200}) {
    FakeList list;
    list.records = many(450);
    list.overfull_at = at;
    BOOST_CHECK_EXCEPTION(list.all(), gate::ServiceError, [&](const gate::ServiceError& e) {
      return std::string(e.what()).find(fmt::format("the test list: the page at offset {} holds 201 records", at)) == 0;
    });
  }
  for (std::int64_t claimed : {1, 500}) {
    FakeList list;
    list.claimed_total = claimed;
    BOOST_CHECK_EXCEPTION(list.all(), gate::ServiceError, [&](const gate::ServiceError& e) {
      return std::string(e.what()).find(fmt::format("the test list: total_num is {} but the first page holds no", claimed)) == 0;
    });
  }
  FakeList none;
  none.claimed_total = 0;
  BOOST_TEST(none.all().empty());
}

BOOST_AUTO_TEST_CASE(waiting_polls_until_the_scan_is_final) {
  FakeList list;
  list.records = {test::clean_record()};
  list.statuses = {"waiting_for_scan", "scanning", "success"};
  test::FakeClock clock;
  std::vector<std::string> progress;
  Lookup lookup = find_one(list.lister(), test::query_for(list.records[0]), {seconds(60), seconds(10)}, clock,
                           [&](const std::string& line) { progress.push_back(line); }).lookup;
  BOOST_TEST(lookup.records[0].scan_status == "success");
  BOOST_TEST(list.offsets.size() == 3u);
  BOOST_TEST(clock.sleeps.size() == 2u);
  BOOST_TEST(progress.size() == 2u); // one line per poll
  BOOST_TEST(progress[0].find("scan_status waiting_for_scan") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(waiting_gives_up_when_the_wait_runs_out) {
  FakeList list;
  list.records = {test::clean_record()};
  list.statuses = {"scanning"};
  test::FakeClock clock;
  std::vector<std::string> progress;
  Lookup lookup = find_one(list.lister(), test::query_for(list.records[0]), {seconds(25), seconds(10)}, clock,
                           [&](const std::string& line) { progress.push_back(line); }).lookup;
  BOOST_TEST(lookup.records[0].scan_status == "scanning");
  BOOST_TEST(list.offsets.size() == 4u); // at 0, 10, 20 and 25 seconds
  BOOST_TEST(clock.sleeps.back().count() == 5000);
  BOOST_TEST(progress.back().find("giving up") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_interrupted_wait_ends_the_lookup) {
  FakeList list;
  list.records = {test::clean_record()};
  list.statuses = {"scanning"};
  test::FakeClock clock;
  clock.interrupt_next_sleep = true;
  BOOST_CHECK_THROW(find_one(list.lister(), test::query_for(list.records[0]), {seconds(60), seconds(10)}, clock,
                               [](const std::string&) {}),
                    gate::Interrupted);
}

// A page that fails after others were read: what was read stays as evidence, never as a pass.
BOOST_AUTO_TEST_CASE(a_failure_part_way_keeps_the_records_read_before_it) {
  FakeList list;
  list.records = many(300);
  list.records[5] = test::clean_record();
  test::FakeClock clock;
  auto failing = [&](const Query&, std::vector<Record>& into) {
    read_all_pages("the test list", [&](std::int64_t offset, int limit) {
      if (offset > 0) throw gate::ServiceError("HSS request failed: 500");
      return list.page(offset, limit);
    }, into);
  };
  ImageLookup image = find_one(failing, test::query_for(test::clean_record()), {seconds(0), seconds(10)}, clock,
                               [](const std::string&) {});
  BOOST_REQUIRE(image.error);
  BOOST_TEST(*image.error == "HSS request failed: 500");
  BOOST_TEST(image.lookup.records.size() == 1u);
}

// The wait saw a finished record while another was pending; a later poll fails: what the wait
// saw stays as evidence, for one image and for each image of a group listed together.
BOOST_AUTO_TEST_CASE(a_poll_that_fails_after_the_wait_saw_records_keeps_them) {
  for (std::size_t failing_poll : {2u, 3u}) {
    Record done = test::clean_record();
    done.vul_num = 999;
    Record pending = test::clean_record();
    pending.image_id = "img-2";
    pending.image_name = "api";
    pending.scan_status = "scanning";
    std::size_t polls = 0;
    auto list = [&](const Query&, std::vector<Record>& into) {
      if (++polls >= failing_poll) throw gate::ServiceError("HSS request failed: 500");
      into = {done, pending};
    };
    Query both = test::query_for(done); // names neither image: matches both records
    Query web = both, api = both;
    web.image_name = "web";
    api.image_name = "api";
    test::FakeClock clock;
    for (const auto& queries : {std::vector<Query>{both}, std::vector<Query>{web, api}}) {
      polls = 0;
      auto images = find_images(list, queries, {seconds(60), seconds(10)}, clock, [](const std::string&) {});
      BOOST_TEST(polls == failing_poll);
      BOOST_REQUIRE(images.at(0).error);
      BOOST_TEST(*images.at(0).error == "HSS request failed: 500");
      BOOST_REQUIRE(images.at(0).lookup.records.size() == (queries.size() == 1 ? 2u : 1u));
      BOOST_TEST(images.at(0).lookup.records.at(0).vul_num.value_or(0) == 999);
    }
  }
}

BOOST_AUTO_TEST_CASE(no_wait_means_one_look) {
  FakeList list;
  test::FakeClock clock;
  Lookup lookup = find_one(list.lister(), test::query_for(test::clean_record()), {seconds(0), seconds(10)}, clock,
                           [](const std::string&) {}).lookup;
  BOOST_TEST(lookup.records.empty());
  BOOST_TEST(list.offsets.size() == 1u);
  BOOST_TEST(clock.sleeps.empty());
}

BOOST_AUTO_TEST_SUITE_END()
