#include "gate/error.hpp"
#include "gate/hss/transport.hpp"

#include <fmt/format.h>

// Path parameters become whole path segments here, once for every transport: the signer and the
// wire both see this encoding, so a value can neither add a segment nor climb out of the path.
namespace gate::hss {

namespace {

const std::string* value_of(const Pairs& parameters, std::string_view name) {
  for (const auto& [key, value] : parameters) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string segment_of(std::string_view name, const std::string& value) {
  if (value.empty() || value == "." || value == "..") {
    throw ServiceError(fmt::format("the path parameter {} is \"{}\", which cannot be one path segment", name, value));
  }
  return percent_encode(value);
}

} // namespace

std::string encoded_path(const Request& request, const std::string& project_id) {
  std::string_view path = request.path;
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
      std::string_view name = segment.substr(1, segment.size() - 2);
      const std::string* value = name == "project_id" ? &project_id : value_of(request.path_parameters, name);
      if (!value) throw ServiceError(fmt::format("the path {} needs the parameter {}, which the request lacks", path, name));
      out += segment_of(name, *value);
    } else {
      out += percent_encode(segment);
    }
    if (end < path.size()) out += '/';
    start = end + 1;
  }
  return out;
}

} // namespace gate::hss
