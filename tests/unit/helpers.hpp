#pragma once

#include "gate/app.hpp"
#include "gate/clock.hpp"
#include "gate/error.hpp"
#include "gate/hss/record.hpp"
#include "gate/policy/loader.hpp"
#include "gate/policy/outcome.hpp"
#include "gate/units/units.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <fstream>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace test {

// A fresh folder per test, removed at the end.
class TempDir {
public:
  TempDir() {
    std::random_device random;
    m_path = std::filesystem::temp_directory_path() / ("hss-gate-test-" + std::to_string(random()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  std::string write(const std::string& name, const std::string& content) const {
    auto file = m_path / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }
  std::string path(const std::string& name) const { return (m_path / name).string(); }

private:
  std::filesystem::path m_path;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What a gate::Error thrown by `run` says, or "no error".
inline std::string error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const gate::Error& e) {
    return e.what();
  }
  return "no error";
}

inline gate::policy::TimePoint at(const std::string& iso) { return *gate::units::parse_date_time(iso); }

inline std::int64_t ms(const std::string& iso) { return at(iso).time_since_epoch().count() * 1000; }

// A successfully scanned, clean image.
inline gate::hss::Record clean_record() {
  gate::hss::Record record;
  record.image_id = "id-1";
  record.cicd_name = "shop";
  record.namespace_name = "team";
  record.image_name = "web";
  record.image_version = "1.0.0";
  record.image_digest = "sha256:aaaa";
  record.registry_name = "swr";
  record.pipeline_type = "jenkins";
  record.latest_version = true;
  record.scan_status = "success";
  record.image_size = 100 * 1024 * 1024;
  record.latest_update_time = ms("2026-11-20T10:00:00Z");
  record.latest_scan_time = ms("2026-11-20T10:05:00Z");
  record.vul_num = 0;
  record.unsafe_setting_num = 0;
  record.malicious_file_num = 0;
  record.severity_level = "Security";
  return record;
}

inline gate::hss::Query query_for(const gate::hss::Record& record) {
  gate::hss::Query query;
  query.cicd_name = record.cicd_name.value_or("");
  query.image_version = record.image_version.value_or("");
  return query;
}

// A clock that never sleeps: sleeping advances it and is recorded.
class FakeClock : public gate::Clock {
public:
  std::chrono::milliseconds now{0};
  std::vector<std::chrono::milliseconds> sleeps;
  std::chrono::system_clock::time_point wall{std::chrono::sys_days{std::chrono::year{2026} / 11 / 27}};
  bool interrupt_next_sleep = false;

  std::chrono::system_clock::time_point wall_now() const override { return wall + now; }
  std::chrono::milliseconds elapsed() const override { return now; }
  bool sleep(std::chrono::milliseconds duration) override {
    if (interrupt_next_sleep) return false;
    sleeps.push_back(duration);
    now += duration;
    return true;
  }
};

// What the whole program did: its exit code and what it printed.
struct Run {
  int code = 0;
  std::string out;
  std::string err;
};

// Runs the whole program with an injected environment and clock, capturing what it prints.
inline Run run_program(std::vector<std::string> words, std::map<std::string, std::string> variables) {
  words.insert(words.begin(), "hss-gate");
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  FakeClock clock;
  Run result;
  result.code = gate::run(words,
                          [variables](const std::string& name) -> std::optional<std::string> {
                            auto it = variables.find(name);
                            if (it == variables.end()) return std::nullopt;
                            return it->second;
                          },
                          clock);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

} // namespace test

// Boost.Test prints the values of failed comparisons.
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<std::string>)

namespace gate::policy {
inline std::ostream& operator<<(std::ostream& out, StateAction v) { return out << name_of(v); }
inline std::ostream& operator<<(std::ostream& out, Level v) { return out << name_of(v); }
inline std::ostream& operator<<(std::ostream& out, RuleStatus v) { return out << name_of(v); }
inline std::ostream& operator<<(std::ostream& out, Decision v) { return out << name_of(v); }
} // namespace gate::policy
