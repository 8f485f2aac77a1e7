#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace gate::units {

namespace {

using std::chrono::seconds;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads an unsigned decimal at `pos`; advances `pos`; nullopt on no digits or overflow.
std::optional<std::int64_t> read_number(std::string_view text, std::size_t& pos) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
  if (error != std::errc() || end == text.data() + pos || value < 0) return std::nullopt;
  pos = static_cast<std::size_t>(end - text.data());
  return value;
}

std::optional<int> read_fixed(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

} // namespace

std::optional<seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr std::int64_t k_limit = std::int64_t{100} * 365 * 86400; // a century is plenty
  std::size_t pos = 0;
  auto bare = read_number(text, pos);
  if (bare && pos == text.size()) return *bare <= k_limit ? std::optional(seconds(*bare)) : std::nullopt;

  pos = 0;
  std::int64_t total = 0;
  while (pos < text.size()) {
    auto number = read_number(text, pos);
    if (!number || pos >= text.size()) return std::nullopt;
    std::int64_t unit = 0;
    switch (text[pos]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return std::nullopt;
    }
    ++pos;
    if (*number > k_limit / unit) return std::nullopt;
    total += *number * unit;
    if (total > k_limit) return std::nullopt;
  }
  return seconds(total);
}

std::string format_duration(seconds duration) {
  std::int64_t left = duration.count();
  if (left == 0) return "0s";
  std::string out;
  if (left < 0) {
    out = "-";
    left = -left;
  }
  static constexpr std::array<std::pair<std::int64_t, char>, 4> k_units{
      {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}};
  for (auto [size, name] : k_units) {
    if (left >= size) {
      out += fmt::format("{}{}", left / size, name);
      left %= size;
    }
  }
  return out;
}

std::optional<std::int64_t> parse_size(std::string_view text) {
  std::string digits;
  std::size_t pos = 0;
  bool seen_point = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (is_digit(c)) {
      digits += c;
    } else if (c == ',' && !seen_point && !digits.empty()) {
      continue;
    } else if (c == '.' && !seen_point && !digits.empty()) {
      seen_point = true;
      digits += c;
    } else {
      break;
    }
  }
  if (digits.empty() || digits.back() == '.' || digits.size() > 30) return std::nullopt;
  std::string_view unit = text.substr(pos);
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);

  static constexpr std::array<std::pair<std::string_view, double>, 12> k_units{{
      {"", 1},
      {"B", 1},
      {"(bytes)", 1},
      {"kB", 1e3},
      {"KB", 1e3},
      {"MB", 1e6},
      {"GB", 1e9},
      {"TB", 1e12},
      {"KiB", 1024.0},
      {"MiB", 1024.0 * 1024},
      {"GiB", 1024.0 * 1024 * 1024},
      {"TiB", 1024.0 * 1024 * 1024 * 1024},
  }};
  for (auto [name, factor] : k_units) {
    if (unit != name) continue;
    double value = std::stod(digits) * factor;
    if (!std::isfinite(value) || value > 9.0e18) return std::nullopt;
    double rounded = std::round(value);
    if (seen_point && factor == 1 && rounded != value) return std::nullopt; // fractional bytes
    return static_cast<std::int64_t>(rounded);
  }
  return std::nullopt;
}

std::string format_size(std::int64_t bytes) {
  static constexpr std::array<std::pair<std::int64_t, std::string_view>, 4> k_units{{
      {std::int64_t{1} << 40, "TiB"},
      {std::int64_t{1} << 30, "GiB"},
      {std::int64_t{1} << 20, "MiB"},
      {std::int64_t{1} << 10, "KiB"},
  }};
  for (auto [size, name] : k_units) {
    if (bytes >= size) {
      double value = static_cast<double>(bytes) / static_cast<double>(size);
      return fmt::format("{} ({:.4g}{})", bytes, value, name);
    }
  }
  return fmt::format("{} B", bytes);
}

std::optional<std::chrono::sys_seconds> parse_date_time(std::string_view text) {
  using namespace std::chrono;
  auto year = read_fixed(text, 0, 4);
  auto month = read_fixed(text, 5, 2);
  auto day = read_fixed(text, 8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') return std::nullopt;
  year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  sys_seconds start{sys_days(date)};
  if (text.size() == 10) return start + days(1) - seconds(1);

  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  auto hour = read_fixed(text, 11, 2);
  auto minute = read_fixed(text, 14, 2);
  auto second = read_fixed(text, 17, 2);
  if (!hour || !minute || !second || text[13] != ':' || text[16] != ':') return std::nullopt;
  if (*hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t first = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    if (pos == first) return std::nullopt;
  }
  sys_seconds time = start + hours(*hour) + minutes(*minute) + seconds(*second);
  std::string_view zone = text.substr(pos);
  if (zone.empty() || zone == "Z" || zone == "z") return time;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
  auto zone_hours = read_fixed(zone, 1, 2);
  auto zone_minutes = read_fixed(zone, 4, 2);
  if (!zone_hours || !zone_minutes || *zone_hours > 23 || *zone_minutes > 59) return std::nullopt;
  seconds offset = hours(*zone_hours) + minutes(*zone_minutes);
  return zone[0] == '+' ? time - offset : time + offset;
}

std::string format_date_time(std::chrono::sys_seconds time) {
  using namespace std::chrono;
  auto day_point = floor<days>(time);
  year_month_day date{day_point};
  hh_mm_ss clock{time - day_point};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

std::string format_date(std::chrono::sys_seconds time) { return format_date_time(time).substr(0, 10); }

std::optional<std::chrono::sys_seconds> time_from_epoch_ms(std::int64_t ms) {
  if (ms < 0 || ms > k_max_epoch_ms) return std::nullopt;
  return std::chrono::sys_seconds{std::chrono::seconds(ms / 1000)};
}

} // namespace gate::units
