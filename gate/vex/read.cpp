#include "gate/error.hpp"
#include "gate/vex/formats.hpp"
#include "gate/vex/purl.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gate::vex {

namespace {

constexpr std::array k_formats{&k_openvex, &k_cyclonedx, &k_csaf};

// Larger than any VEX document a vendor publishes for one image; reading more is not worth it.
constexpr std::uintmax_t k_max_document = 16u << 20;

std::string expected_formats() {
  std::string out;
  for (std::size_t i = 0; i < k_formats.size(); ++i) {
    out += i == 0 ? "" : i + 1 == k_formats.size() ? " or " : ", ";
    out += k_formats[i]->name;
  }
  return out;
}

// The JSON reader names places from its root, "response.statements[0]"; a document's reader
// names them from the file.
std::string from_file(std::string message) {
  for (std::string_view prefix : {"unreadable HSS response: ", "response."}) {
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  }
  return message;
}

} // namespace

std::size_t waiving(const Document& document) {
  return static_cast<std::size_t>(std::count_if(document.statements.begin(), document.statements.end(),
                                                [](const Statement& statement) { return statement.waives; }));
}

std::string place(const hss::JsonObject& object) { return from_file(object.where()); }

void refuse(const std::string& path, const std::string& why) { throw UsageError(fmt::format("--vex {}: {}", path, why)); }

std::string joined_justification(const std::optional<std::string>& justification,
                                 const std::optional<std::string>& statement) {
  if (justification && statement) return fmt::format("{}: {}", *justification, *statement);
  return justification.value_or(statement.value_or(""));
}

std::optional<Product> product_of(const std::string& purl_text, const std::optional<std::string>& image,
                                  const std::optional<std::string>& version) {
  auto purl = parse_purl(purl_text);
  if (!purl || purl->has_subpath) return std::nullopt;
  if (auto digest = oci_digest(*purl)) return Product{*digest, {}};
  if (purl->type == "oci" || !image) return std::nullopt; // an image by tag, or a package of no known image
  return Product{*image, {Component{purl->name, purl->version ? purl->version : version}}};
}

void check_ids(const std::string& path, const std::string& where, const std::vector<std::string>& ids) {
  if (ids.empty()) refuse(path, fmt::format("{}: expected the vulnerability's id", where));
  for (const auto& id : ids) {
    if (id.find_first_not_of(" \t\r\n") == std::string::npos) {
      refuse(path, fmt::format("{}: expected vulnerability ids, got an empty one", where));
    }
  }
}

std::optional<std::chrono::sys_seconds> time_member(const std::string& path, const hss::JsonObject& object,
                                                    std::string_view key) {
  auto text = object.text(key);
  if (!text) return std::nullopt;
  auto time = units::parse_date_time(*text);
  if (!time || text->size() <= 10) {
    refuse(path, fmt::format("{}: expected a date-time such as 2026-01-15T09:00:00Z, got \"{}\"", from_file(object.member(key)), *text));
  }
  return time;
}

Document parse_document(const std::string& path, std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') {
    refuse(path, fmt::format("expected a JSON document ({}) whose root is an object", expected_formats()));
  }
  std::optional<hss::JsonObject> root;
  try {
    root = hss::parse_json_object(text);
  } catch (const ServiceError& e) {
    refuse(path, fmt::format("expected a JSON document ({}): {}", expected_formats(), from_file(e.what())));
  }
  std::vector<const VexFormat*> claimed;
  for (const VexFormat* format : k_formats) {
    try {
      if (format->claims(*root)) claimed.push_back(format);
    } catch (const ServiceError&) {
    }
  }
  if (claimed.empty()) refuse(path, fmt::format("expected {} (JSON); the document claims none of them", expected_formats()));
  if (claimed.size() > 1) {
    refuse(path, fmt::format("claims to be both {} and {}: expected one format", claimed[0]->name, claimed[1]->name));
  }
  try {
    return claimed.front()->read(*root, path);
  } catch (const ServiceError& e) {
    refuse(path, fmt::format("not a readable {} document: {}", claimed.front()->name, from_file(e.what())));
  }
}

std::vector<Document> read_documents(const std::vector<std::string>& paths) {
  std::vector<Document> documents;
  for (const auto& path : paths) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) refuse(path, "not a regular file");
    if (std::filesystem::file_size(path, error) > k_max_document) {
      refuse(path, fmt::format("larger than {} MiB", k_max_document >> 20));
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) refuse(path, "cannot read the file");
    documents.push_back(parse_document(path, text.str()));
  }
  return documents;
}

} // namespace gate::vex
