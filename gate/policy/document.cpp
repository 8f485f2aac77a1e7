#include "gate/policy/document.hpp"

#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gate::policy {

Node Node::text(std::string value) {
  Node node;
  node.type = Type::string;
  node.string = std::move(value);
  return node;
}

Node Node::number(std::int64_t value) {
  Node node;
  node.type = Type::integer;
  node.integer = value;
  return node;
}

Node Node::flag(bool value) {
  Node node;
  node.type = Type::boolean;
  node.boolean = value;
  return node;
}

Node Node::moment(TimePoint value) {
  Node node;
  node.type = Type::date_time;
  node.time = value;
  return node;
}

Node Node::list(std::vector<Node> values) {
  Node node;
  node.type = Type::array;
  node.items = std::move(values);
  return node;
}

Node Node::strings(const std::vector<std::string>& values) {
  std::vector<Node> items;
  for (const auto& value : values) items.push_back(text(value));
  return list(std::move(items));
}

const Node* Node::find(std::string_view key) const {
  auto it = std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.key == key; });
  return it == members.end() ? nullptr : &it->value;
}

Node& Node::set(const std::string& key, Node value) {
  for (auto& member : members) {
    if (member.key == key) return member.value = std::move(value);
  }
  members.push_back(Member{key, 0, 0, std::move(value)});
  return members.back().value;
}

std::string_view type_name(const Node& node) {
  switch (node.type) {
  case Node::Type::string: return "a string";
  case Node::Type::integer: return "an integer";
  case Node::Type::floating: return "a float";
  case Node::Type::boolean: return "a boolean";
  case Node::Type::date: return "a date";
  case Node::Type::date_time: return "a date-time";
  case Node::Type::time: return "a time";
  case Node::Type::array: return "an array";
  case Node::Type::table: return "a table";
  }
  return "nothing";
}

std::optional<std::vector<std::string>> strings_of(const Node& node, std::string& problem) {
  if (node.type == Node::Type::string) return std::vector<std::string>{node.string};
  if (node.type != Node::Type::array) {
    problem = fmt::format("expected an array of strings, got {}", type_name(node));
    return std::nullopt;
  }
  std::vector<std::string> values;
  for (const auto& item : node.items) {
    if (item.type != Node::Type::string) {
      problem = fmt::format("expected strings only, got {}", type_name(item));
      return std::nullopt;
    }
    values.push_back(item.string);
  }
  // An empty list would silently select nothing (or everything): say what was meant instead.
  if (values.empty()) {
    problem = "expected at least one value; an empty list selects nothing";
    return std::nullopt;
  }
  return values;
}

std::optional<Duration> duration_of(const Node& node, std::string& problem) {
  if (node.type == Node::Type::string) {
    if (auto duration = units::parse_duration(node.string)) return *duration;
  }
  problem = "expected a duration such as \"90s\", \"10m\", \"36h\" or \"7d\"";
  return std::nullopt;
}

} // namespace gate::policy
