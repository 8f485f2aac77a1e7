#include "gate/policy/document.hpp"
#include "gate/text/utf8.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

namespace gate::policy {

namespace {

void place(Node& node, const toml::source_region& region) {
  node.line = static_cast<int>(region.begin.line);
  node.column = static_cast<int>(region.begin.column);
}

Node from_toml(const toml::node& source) {
  Node node;
  place(node, source.source());
  switch (source.type()) {
  case toml::node_type::string:
    node.type = Node::Type::string;
    node.string = source.as_string()->get();
    break;
  case toml::node_type::integer:
    node.type = Node::Type::integer;
    node.integer = source.as_integer()->get();
    break;
  case toml::node_type::floating_point:
    node.type = Node::Type::floating;
    node.floating = source.as_floating_point()->get();
    break;
  case toml::node_type::boolean:
    node.type = Node::Type::boolean;
    node.boolean = source.as_boolean()->get();
    break;
  case toml::node_type::date: {
    const toml::date& date = source.as_date()->get();
    node.type = Node::Type::date;
    node.year = date.year;
    node.month = date.month;
    node.day = date.day;
    break;
  }
  case toml::node_type::date_time: {
    using namespace std::chrono;
    const toml::date_time& stamp = source.as_date_time()->get();
    node.type = Node::Type::date_time;
    node.year = stamp.date.year;
    node.month = stamp.date.month;
    node.day = stamp.date.day;
    year_month_day date{year(node.year), month(static_cast<unsigned>(node.month)), day(static_cast<unsigned>(node.day))};
    node.time = TimePoint{sys_days(date)} + hours(stamp.time.hour) + minutes(stamp.time.minute) +
                seconds(stamp.time.second);
    if (stamp.offset) node.time -= minutes(stamp.offset->minutes);
    break;
  }
  case toml::node_type::time: node.type = Node::Type::time; break;
  case toml::node_type::array:
    node.type = Node::Type::array;
    for (const auto& item : *source.as_array()) node.items.push_back(from_toml(item));
    break;
  case toml::node_type::table:
    node.type = Node::Type::table;
    for (auto&& [key, value] : *source.as_table()) {
      Member member{std::string(key.str()), static_cast<int>(key.source().begin.line),
                    static_cast<int>(key.source().begin.column), from_toml(value)};
      node.members.push_back(std::move(member));
    }
    // The library keeps tables sorted by key; readers report in the order of the text.
    std::stable_sort(node.members.begin(), node.members.end(), [](const Member& a, const Member& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    break;
  default: break;
  }
  return node;
}

void insert_into(toml::table& table, const std::string& key, const Node& node);

void push_into(toml::array& array, const Node& node);

toml::table to_table(const Node& node) {
  toml::table table;
  for (const auto& member : node.members) insert_into(table, member.key, member.value);
  return table;
}

toml::array to_array(const Node& node) {
  toml::array array;
  for (const auto& item : node.items) push_into(array, item);
  return array;
}

toml::date_time to_date_time(TimePoint time) {
  using namespace std::chrono;
  auto day_point = floor<days>(time);
  year_month_day date{day_point};
  hh_mm_ss clock{time - day_point};
  return toml::date_time{toml::date{static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                                    static_cast<unsigned>(date.day())},
                         toml::time{static_cast<unsigned>(clock.hours().count()),
                                    static_cast<unsigned>(clock.minutes().count()),
                                    static_cast<unsigned>(clock.seconds().count())},
                         toml::time_offset{}};
}

template <typename Sink>
void emit(const Node& node, Sink&& sink) {
  switch (node.type) {
  case Node::Type::string: sink(node.string); break;
  case Node::Type::integer: sink(node.integer); break;
  case Node::Type::floating: sink(node.floating); break;
  case Node::Type::boolean: sink(node.boolean); break;
  case Node::Type::date:
    sink(toml::date{node.year, static_cast<unsigned>(node.month), static_cast<unsigned>(node.day)});
    break;
  case Node::Type::date_time: sink(to_date_time(node.time)); break;
  case Node::Type::array: sink(to_array(node)); break;
  case Node::Type::table: sink(to_table(node)); break;
  case Node::Type::time: break;
  }
}

void insert_into(toml::table& table, const std::string& key, const Node& node) {
  emit(node, [&](auto&& value) { table.insert_or_assign(key, std::forward<decltype(value)>(value)); });
}

void push_into(toml::array& array, const Node& node) {
  emit(node, [&](auto&& value) { array.push_back(std::forward<decltype(value)>(value)); });
}

} // namespace

Node parse_toml(const std::string& text, const std::string& name) {
  try {
    toml::table root = toml::parse(text, std::string_view{name});
    return from_toml(root);
  } catch (const toml::parse_error& e) {
    throw TomlSyntaxError{static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column),
                          std::string(e.description())};
  }
}

namespace {

// The library escapes C0 controls and DEL; a code point that prints nothing (C1, bidirectional,
// zero-width) gets TOML's \u escape too, so `policy show` and suggested waivers show it and a
// reader sees the text that is there. Only strings can hold one, so the escape is always valid.
std::string escaped_non_printing(const std::string& written) {
  std::string out;
  text::for_each_code_point(written, [&](std::optional<char32_t> value, std::string_view bytes) {
    if (value && *value >= 0x80 && text::is_non_printing(*value)) {
      out += *value > 0xFFFF ? fmt::format("\\U{:08X}", static_cast<unsigned>(*value))
                             : fmt::format("\\u{:04X}", static_cast<unsigned>(*value));
    } else {
      out.append(bytes);
    }
  });
  return out;
}

} // namespace

std::string write_toml(const Node& table) {
  toml::table root = to_table(table);
  std::ostringstream out;
  out << toml::toml_formatter(root, toml::format_flags::allow_unicode_strings);
  out << '\n';
  return escaped_non_printing(out.str());
}

namespace {

std::string join_with(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// One value as TOML text on one line. Scalars are written by the TOML library; arrays and tables
// are written inline here, in member order, from values the library wrote.
std::string inline_value(const Node& node) {
  if (node.type == Node::Type::array) {
    std::vector<std::string> items;
    for (const auto& item : node.items) items.push_back(inline_value(item));
    return "[" + join_with(items, ", ") + "]";
  }
  if (node.type == Node::Type::table) {
    std::vector<std::string> members;
    for (const auto& member : node.members) members.push_back(inline_member(member.key, member.value));
    return "{ " + join_with(members, ", ") + " }";
  }
  toml::table one;
  insert_into(one, "v", node);
  std::ostringstream out;
  out << toml::toml_formatter(one, toml::format_flags::allow_unicode_strings);
  std::string text = out.str();
  return escaped_non_printing(text.substr(text.find(" = ") + 3));
}

bool is_bare_key(const std::string& key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

} // namespace

std::string inline_member(const std::string& key, const Node& value) {
  return (is_bare_key(key) ? key : inline_value(Node::text(key))) + " = " + inline_value(value);
}

std::vector<std::string> write_toml_lines(const Node& table) {
  std::vector<std::string> lines;
  for (const auto& member : table.members) lines.push_back(inline_member(member.key, member.value));
  return lines;
}

} // namespace gate::policy
