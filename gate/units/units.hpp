#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Parsers for the human-written quantities of flags and policies. Each returns nullopt on any
// input it does not fully understand, so callers can name the input in their own message.
namespace gate::units {

// "90s", "10m", "36h", "7d", "2w", "1h30m", or a bare number of seconds ("0", "45").
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// Renders a duration in the largest exact units, e.g. "1h30m", "7d", "0s".
std::string format_duration(std::chrono::seconds duration);

// "512MiB", "2GB", "1.5GiB", "1000" (bytes), "1,000 (bytes)"; units B, kB/KB, MB, GB, TB
// (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024).
std::optional<std::int64_t> parse_size(std::string_view text);

// Renders a byte count, with a binary unit when it helps: "536870912 (512MiB)".
std::string format_size(std::int64_t bytes);

// "2027-01-31" (the end of that day, UTC), "2027-01-31T12:00:00Z", "2027-01-31T12:00:00+02:00",
// "2027-01-31 12:00:00" (UTC). Fractions of seconds are accepted and dropped.
std::optional<std::chrono::sys_seconds> parse_date_time(std::string_view text);

// "2027-01-31T23:59:59Z".
std::string format_date_time(std::chrono::sys_seconds time);

// The calendar date of a time point, "2027-01-31".
std::string format_date(std::chrono::sys_seconds time);

// The last millisecond of 9999-12-31: HSS time stamps beyond it (or before 1970) are not dates.
inline constexpr std::int64_t k_max_epoch_ms = 253402300799999;

// A time stamp in milliseconds since the epoch, as HSS sends them, to whole seconds.
std::optional<std::chrono::sys_seconds> time_from_epoch_ms(std::int64_t ms);

} // namespace gate::units
