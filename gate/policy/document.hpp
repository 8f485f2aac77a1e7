#pragma once

#include "gate/policy/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// A TOML document as plain data, with the position of every value: what the policy reader
// interprets and what `policy show` builds. toml_document.cpp converts it from and to TOML text;
// no other file sees the TOML library.
namespace gate::policy {

struct Member;

struct Node {
  enum class Type { string, integer, floating, boolean, date, date_time, time, array, table };
  Type type = Type::table;
  std::string string;
  std::int64_t integer = 0;
  double floating = 0;
  bool boolean = false;
  int year = 0, month = 0, day = 0; // a date, or a date-time's date
  TimePoint time{};                 // a date-time, its offset applied (UTC when it has none)
  std::vector<Node> items;          // an array
  std::vector<Member> members;      // a table, in the order of the text
  int line = 0;
  int column = 0;

  static Node text(std::string value);
  static Node number(std::int64_t value);
  static Node flag(bool value);
  static Node moment(TimePoint value);
  static Node list(std::vector<Node> values);
  static Node strings(const std::vector<std::string>& values);

  // The member named `key` of a table; nullptr when there is none.
  const Node* find(std::string_view key) const;
  // Adds or replaces a member of a table; returns the member's value.
  Node& set(const std::string& key, Node value);
};

struct Member {
  std::string key;
  int line = 0;
  int column = 0;
  Node value;
};

// "a string", "an integer", ... for messages.
std::string_view type_name(const Node& node);

// Readers of common value shapes. Each returns nullopt and sets `problem` to what was expected
// ("expected ..., got ...") when the value has another shape.
// A list of strings (a single string is a list of one); an empty list is a problem.
std::optional<std::vector<std::string>> strings_of(const Node& node, std::string& problem);
// A duration such as "90s", "10m", "36h" or "7d".
std::optional<Duration> duration_of(const Node& node, std::string& problem);

// A document that is not TOML: where and why.
struct TomlSyntaxError {
  int line = 0;
  int column = 0;
  std::string message;
};

// Parses TOML text named `name` in messages; throws TomlSyntaxError.
Node parse_toml(const std::string& text, const std::string& name);

// Serialises a table as TOML; the TOML library escapes and quotes what needs it.
std::string write_toml(const Node& table);

// `key = value` on one line, arrays and tables written inline in member order, every string and
// key quoted and escaped by the TOML library: no quote, bracket or newline inside can break out.
std::string inline_member(const std::string& key, const Node& value);
// One such line per member of the table, in member order: what a suggested policy entry is
// made of.
std::vector<std::string> write_toml_lines(const Node& table);

} // namespace gate::policy
